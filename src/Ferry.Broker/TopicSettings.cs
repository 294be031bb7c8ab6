namespace Ferry.Broker;

/// <summary>A topic's settings, with Azure Service Bus defaults and ranges.</summary>
public sealed record TopicSettings
{
    /// <summary>Caps every message's time-to-live; default unlimited.</summary>
    public TimeSpan DefaultMessageTimeToLive { get; init; } = TimeSpan.MaxValue;

    public bool RequiresDuplicateDetection { get; init; }

    /// <summary>Default 10 minutes, 20 s – 7 days.</summary>
    public TimeSpan DuplicateDetectionHistoryTimeWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Default 1024 MB.</summary>
    public int MaxSizeInMegabytes { get; init; } = 1024;

    /// <summary>Default 256 KB, up to 100 MB.</summary>
    public int MaxMessageSizeInKilobytes { get; init; } = 256;

    /// <summary>Messages fan out in sequence order (always true on one node; kept for Azure's property set).</summary>
    public bool SupportOrdering { get; init; } = true;

    public EntityStatus Status { get; init; } = EntityStatus.Active;

    public string? UserMetadata { get; init; }

    /// <summary>Returns null when valid, else the first problem as (property, message naming the value and the range).</summary>
    public (string Property, string Message)? Validate()
    {
        var asQueue = new QueueSettings
        {
            DefaultMessageTimeToLive = DefaultMessageTimeToLive,
            RequiresDuplicateDetection = RequiresDuplicateDetection,
            DuplicateDetectionHistoryTimeWindow = DuplicateDetectionHistoryTimeWindow,
            MaxSizeInMegabytes = MaxSizeInMegabytes,
            MaxMessageSizeInKilobytes = MaxMessageSizeInKilobytes,
            Status = Status,
            UserMetadata = UserMetadata,
        };
        return asQueue.Validate();
    }
}
