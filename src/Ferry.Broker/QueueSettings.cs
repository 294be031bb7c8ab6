namespace Ferry.Broker;

/// <summary>
/// A queue's settings, with Azure Service Bus defaults and ranges. Immutable; <see cref="Validate"/> checks every range.
/// </summary>
public sealed record QueueSettings
{
    public static readonly TimeSpan MinLockDuration = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxLockDuration = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MinDuplicateDetectionWindow = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan MaxDuplicateDetectionWindow = TimeSpan.FromDays(7);

    /// <summary>The largest message size Ferry accepts, 100 MB (Azure Premium's limit).</summary>
    public const int MaxMessageSizeLimitInKilobytes = 102_400;

    /// <summary>Default lock duration: 1 minute (range 5 s – 5 min).</summary>
    public TimeSpan LockDuration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Deliveries before a message is dead-lettered with MaxDeliveryCountExceeded: default 10, at least 1.</summary>
    public int MaxDeliveryCount { get; init; } = 10;

    /// <summary>Caps every message's time-to-live; default unlimited (<see cref="TimeSpan.MaxValue"/>).</summary>
    public TimeSpan DefaultMessageTimeToLive { get; init; } = TimeSpan.MaxValue;

    /// <summary>Expired messages go to the dead-letter queue (reason TTLExpiredException) instead of being dropped.</summary>
    public bool DeadLetteringOnMessageExpiration { get; init; }

    public bool RequiresDuplicateDetection { get; init; }

    /// <summary>How long message ids are remembered: default 10 minutes, 20 s – 7 days.</summary>
    public TimeSpan DuplicateDetectionHistoryTimeWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest total size of the entity's messages: default 1024 MB, 1 MB – 80 GB.</summary>
    public int MaxSizeInMegabytes { get; init; } = 1024;

    /// <summary>Largest message: default 256 KB, 1 KB – 100 MB.</summary>
    public int MaxMessageSizeInKilobytes { get; init; } = 256;

    public bool RequiresSession { get; init; }

    /// <summary>Entity that messages are forwarded to; empty or null for none.</summary>
    public string? ForwardTo { get; init; }

    /// <summary>Entity that dead-lettered messages are forwarded to; empty or null for none.</summary>
    public string? ForwardDeadLetteredMessagesTo { get; init; }

    public EntityStatus Status { get; init; } = EntityStatus.Active;

    /// <summary>Subscriptions: a message whose rule evaluation fails goes to the dead-letter queue (default true); else it is dropped.</summary>
    public bool DeadLetteringOnFilterEvaluationExceptions { get; init; } = true;

    /// <summary>
    /// Idle time after which the queue or subscription is deleted (default never; at least 5 minutes, as in Azure): no
    /// receiver or sender attached and no operation on it for that long. See <c>FerryBroker.SweepIdleAsync</c>.
    /// </summary>
    public TimeSpan AutoDeleteOnIdle { get; init; } = TimeSpan.MaxValue;

    /// <summary>The shortest AutoDeleteOnIdle Azure allows.</summary>
    public static readonly TimeSpan MinAutoDeleteOnIdle = TimeSpan.FromMinutes(5);

    /// <summary>Free text kept for the user, up to 1024 characters.</summary>
    public string? UserMetadata { get; init; }

    /// <summary>
    /// Checks every setting against its allowed range. Returns null when valid, else the first problem as
    /// (property name, message naming the value and the allowed range).
    /// </summary>
    public (string Property, string Message)? Validate()
    {
        if (AutoDeleteOnIdle < MinAutoDeleteOnIdle)
            return (nameof(AutoDeleteOnIdle), $"AutoDeleteOnIdle {AutoDeleteOnIdle} is out of range: allowed 00:05:00 or more.");
        if (LockDuration < MinLockDuration || LockDuration > MaxLockDuration)
            return (nameof(LockDuration), $"LockDuration {LockDuration} is out of range: allowed 00:00:05 to 00:05:00.");
        if (MaxDeliveryCount < 1)
            return (nameof(MaxDeliveryCount), $"MaxDeliveryCount {MaxDeliveryCount} is out of range: allowed 1 to {int.MaxValue}.");
        if (DefaultMessageTimeToLive <= TimeSpan.Zero)
            return (nameof(DefaultMessageTimeToLive), $"DefaultMessageTimeToLive {DefaultMessageTimeToLive} is out of range: it must be positive.");
        if (DuplicateDetectionHistoryTimeWindow < MinDuplicateDetectionWindow || DuplicateDetectionHistoryTimeWindow > MaxDuplicateDetectionWindow)
            return (nameof(DuplicateDetectionHistoryTimeWindow),
                $"DuplicateDetectionHistoryTimeWindow {DuplicateDetectionHistoryTimeWindow} is out of range: allowed 00:00:20 to 7.00:00:00.");
        if (MaxSizeInMegabytes < 1 || MaxSizeInMegabytes > 81_920)
            return (nameof(MaxSizeInMegabytes), $"MaxSizeInMegabytes {MaxSizeInMegabytes} is out of range: allowed 1 to 81920.");
        if (MaxMessageSizeInKilobytes < 1 || MaxMessageSizeInKilobytes > MaxMessageSizeLimitInKilobytes)
            return (nameof(MaxMessageSizeInKilobytes),
                $"MaxMessageSizeInKilobytes {MaxMessageSizeInKilobytes} is out of range: allowed 1 to {MaxMessageSizeLimitInKilobytes}.");
        if (!Enum.IsDefined(Status))
            return (nameof(Status), $"Status {(int)Status} is not one of Active, Disabled, SendDisabled, ReceiveDisabled.");
        if (UserMetadata is { Length: > 1024 })
            return (nameof(UserMetadata), $"UserMetadata is {UserMetadata.Length} characters long: allowed at most 1024.");
        if (!string.IsNullOrEmpty(ForwardTo) && EntityNames.Validate(ForwardTo) is { } forwardError)
            return (nameof(ForwardTo), $"ForwardTo '{ForwardTo}': {forwardError}");
        if (!string.IsNullOrEmpty(ForwardDeadLetteredMessagesTo) && EntityNames.Validate(ForwardDeadLetteredMessagesTo) is { } dlqError)
            return (nameof(ForwardDeadLetteredMessagesTo), $"ForwardDeadLetteredMessagesTo '{ForwardDeadLetteredMessagesTo}': {dlqError}");
        return null;
    }
}
