namespace Ferry.Broker;

/// <summary>A prepared send to a queue (<see cref="QueueEntity.PrepareSend"/>).</summary>
internal sealed class PreparedQueueSend(QueueEntity queue, MessageEntry[] entries, long[] sequenceNumbers, List<string>? newDuplicates,
    long batchBytes, bool toDeadLetter) : PreparedSend
{
    public override long[] SequenceNumbers => sequenceNumbers;

    public override void Publish() => queue.PublishSend(entries, batchBytes, toDeadLetter);

    public override void Abort() => queue.AbortSend(newDuplicates, batchBytes);
}
