namespace Ferry.Jobs;

/// <summary>One delivery of a job to its handler.</summary>
public sealed class JobContext<TPayload>
{
    internal JobContext(TPayload payload, JobDelivery delivery)
    {
        Payload = payload;
        Delivery = delivery;
    }

    public TPayload Payload { get; }

    /// <summary>The job id: the id given at submit (or generated), the same on every attempt.</summary>
    public string JobId => Delivery.JobId;

    /// <summary>This attempt, 1-based: the broker's delivery count plus one (plus earlier attempts carried by a scheduled copy on Azure).</summary>
    public int Attempt => Delivery.Attempt;

    /// <summary>The job type's MaxAttempts.</summary>
    public int MaxAttempts => Delivery.MaxAttempts;

    /// <summary>True when a failure now dead-letters the job.</summary>
    public bool IsLastAttempt => Attempt >= MaxAttempts;

    public string JobType => Delivery.JobType;

    public string Queue => Delivery.Queue;

    /// <summary>The message id of this delivery (the job id, or a derived id for a scheduled retry copy).</summary>
    public string? MessageId => Delivery.MessageId;

    public long SequenceNumber => Delivery.SequenceNumber;

    public DateTimeOffset? EnqueuedTime => Delivery.EnqueuedTime;

    /// <summary>When the lock expires (it is renewed automatically while the handler runs).</summary>
    public DateTimeOffset? LockedUntil => Delivery.LockedUntil;

    /// <summary>The message's application properties.</summary>
    public IReadOnlyDictionary<string, object?> Properties => Delivery.Properties;

    /// <summary>
    /// Sets the job's result. With a status store it is recorded as JSON (the payload serializer options) when the
    /// handler returns; without one it is ignored. The last call wins.
    /// </summary>
    public void SetResult<TResult>(TResult result) => Delivery.Result = (result, typeof(TResult));

    internal JobDelivery Delivery { get; }
}

/// <summary>What the worker read from a delivered message, independent of the payload type.</summary>
internal sealed record JobDelivery
{
    public required string JobId { get; init; }
    public required string JobType { get; init; }
    public required string Queue { get; init; }
    public required int Attempt { get; init; }
    public required int MaxAttempts { get; init; }
    public string? MessageId { get; init; }
    public long SequenceNumber { get; init; }
    public DateTimeOffset? EnqueuedTime { get; init; }
    public DateTimeOffset? LockedUntil { get; set; }
    public required IReadOnlyDictionary<string, object?> Properties { get; init; }

    /// <summary>What the handler gave <c>SetResult</c>, with its declared type.</summary>
    public (object? Value, Type Type)? Result { get; set; }
}
