namespace Ferry.Broker;

/// <summary>
/// A send whose rows are in a caller's <see cref="Storage.WriteBatch"/> but not yet committed. Exactly one of
/// <see cref="Publish"/> (after the batch is durable) or <see cref="Abort"/> (it will never be) must follow.
/// </summary>
internal abstract class PreparedSend
{
    /// <summary>Each message's sequence number, in order; 0 for a message dropped as a duplicate.</summary>
    public abstract long[] SequenceNumbers { get; }

    /// <summary>Makes the messages visible: indexed, counted, pushed to waiting receivers.</summary>
    public abstract void Publish();

    /// <summary>Undoes the reservations made while preparing (entity size, duplicate history).</summary>
    public abstract void Abort();

    /// <summary>
    /// Commits <paramref name="batch"/> (the send's rows and nothing else; an empty one is not written) and publishes the
    /// send, or aborts it when the commit fails. Returns <see cref="SequenceNumbers"/>.
    /// </summary>
    public async Task<long[]> CommitAndPublishAsync(Storage.IMessageStore store, Storage.WriteBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            if (batch.Count > 0)
                await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Abort();
            throw;
        }
        Publish();
        return SequenceNumbers;
    }

    /// <summary>
    /// Prepares a send to any target into <paramref name="batch"/>, following a queue's auto-forwarding first (a queue that
    /// forwards stores nothing itself; <see cref="QueueEntity.ForwardTarget"/> stops a chain after MaxForwardHops).
    /// </summary>
    /// <exception cref="BrokerException">The target refuses the messages; nothing was added to the batch then.</exception>
    public static PreparedSend For(ISendTarget target, IReadOnlyList<IncomingMessage> messages, Storage.WriteBatch batch)
    {
        while (true)
        {
            switch (target)
            {
                case QueueEntity queue when queue.ForwardTarget(queue.Settings.ForwardTo, messages) is { } next:
                    messages = QueueEntity.Forwarded(messages);
                    target = next;
                    continue;
                case QueueEntity queue:
                    return queue.PrepareSend(messages, batch);
                case TopicEntity topic:
                    return topic.PrepareSend(messages, batch);
                default:
                    throw new BrokerException(BrokerErrorCode.InvalidOperation, $"'{target.Name}' cannot take part in an atomic send.");
            }
        }
    }
}
