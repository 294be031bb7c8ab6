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

    /// <summary>Work that must follow the commit before the send is acknowledged (a topic's auto-forwarded copies).</summary>
    public virtual Task AfterPublishAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
