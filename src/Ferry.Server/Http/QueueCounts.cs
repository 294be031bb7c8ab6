using Ferry.Broker;

namespace Ferry.Server.Http;

/// <summary>A queue's message counts by kind, as Service Bus's CountDetails has them.</summary>
internal sealed record QueueCounts(long Active, long DeadLetter, long Scheduled, long Deferred, long Transfer, long TransferDeadLetter, long Total)
{
    public static QueueCounts Of(QueueRuntimeProperties runtime) => new(runtime.ActiveMessageCount, runtime.DeadLetterMessageCount,
        runtime.ScheduledMessageCount, runtime.DeferredMessageCount, runtime.TransferMessageCount, runtime.TransferDeadLetterMessageCount,
        runtime.TotalMessageCount);
}
