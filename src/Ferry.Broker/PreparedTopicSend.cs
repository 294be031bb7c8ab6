namespace Ferry.Broker;

/// <summary>
/// A prepared send to a topic (<see cref="TopicEntity.PrepareSend"/>): one copy per matching subscription, and the copies
/// of forwarding subscriptions prepared at their targets in the same batch — the fan-out and every forward commit
/// together or not at all.
/// </summary>
internal sealed class PreparedTopicSend(TopicEntity topic, IReadOnlyList<QueueEntity> subscriptions, List<MessageEntry>?[] fanOut,
    IReadOnlyList<PreparedSend> forwarded, long[] sequenceNumbers, List<string>? newDuplicates) : PreparedSend
{
    public override long[] SequenceNumbers => sequenceNumbers;

    public override void Publish()
    {
        for (var s = 0; s < subscriptions.Count; s++)
        {
            if (fanOut[s] is { } entries)
                subscriptions[s].AcceptFromTopic(entries);
        }
        foreach (var send in forwarded)
            send.Publish();
    }

    // A copy that was never committed is simply never indexed; only the duplicate history must forget the message-ids.
    public override void Abort()
    {
        if (newDuplicates is not null)
            topic.ForgetDuplicates(newDuplicates);
        foreach (var send in forwarded)
            send.Abort();
    }
}
