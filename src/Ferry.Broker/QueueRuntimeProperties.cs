namespace Ferry.Broker;

/// <summary>A queue's counts and times, as Service Bus reports them in its runtime properties.</summary>
public sealed record QueueRuntimeProperties(
    string Name,
    long ActiveMessageCount,
    long DeadLetterMessageCount,
    long ScheduledMessageCount,
    long DeferredMessageCount,
    long TransferMessageCount,
    long TransferDeadLetterMessageCount,
    long SizeInBytes,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset AccessedAt)
{
    /// <summary>All messages: active, deferred, scheduled and dead-lettered.</summary>
    public long TotalMessageCount => ActiveMessageCount + DeferredMessageCount + ScheduledMessageCount + DeadLetterMessageCount;
}
