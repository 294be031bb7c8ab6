namespace Ferry.Broker;

/// <summary>A prepared send to a topic (<see cref="TopicEntity.PrepareSend"/>): one copy per matching subscription.</summary>
internal sealed class PreparedTopicSend(TopicEntity topic, IReadOnlyList<QueueEntity> subscriptions, List<MessageEntry>?[] fanOut,
    Dictionary<ISendTarget, List<IncomingMessage>>? forwards, long[] sequenceNumbers, List<string>? newDuplicates) : PreparedSend
{
    public override long[] SequenceNumbers => sequenceNumbers;

    public override void Publish()
    {
        for (var s = 0; s < subscriptions.Count; s++)
        {
            if (fanOut[s] is { } entries)
                subscriptions[s].AcceptFromTopic(entries);
        }
    }

    // A copy that was never committed is simply never indexed; only the duplicate history must forget the message-ids.
    public override void Abort()
    {
        if (newDuplicates is not null)
            topic.ForgetDuplicates(newDuplicates);
    }

    /// <summary>
    /// Forwarded copies are sent before the send is acknowledged: a crash before this point means no acknowledgement,
    /// so the sender retries (at least once), and nothing acknowledged is lost.
    /// </summary>
    public override async Task AfterPublishAsync(CancellationToken cancellationToken)
    {
        if (forwards is null)
            return;
        foreach (var (target, list) in forwards)
            await target.SendAsync(list, cancellationToken).ConfigureAwait(false);
    }
}
