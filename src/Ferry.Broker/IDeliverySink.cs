namespace Ferry.Broker;

/// <summary>Where a <see cref="Receiver"/>'s messages go: implemented by the wire layer (an AMQP link, an HTTP long poll).</summary>
/// <remarks>
/// Both methods are called while the entity's lock is held, so that deliveries reach a receiver in the order they were
/// made. They must return quickly, must not block, and must not call back into the entity.
/// </remarks>
public interface IDeliverySink
{
    /// <summary>A message was locked for (or, in receive-and-delete mode, removed for) <paramref name="receiver"/>.</summary>
    void OnDelivery(Receiver receiver, BrokerMessage message);

    /// <summary>The receiver was closed by the broker (entity deleted or disabled, broker shutting down).</summary>
    void OnClosed(Receiver receiver, BrokerException reason);

    /// <summary>
    /// True while the sink cannot take more (its connection's output is backed up): the entity then skips the receiver
    /// as if it had no credit. Whoever clears the condition calls <see cref="Receiver.Resume"/>.
    /// </summary>
    bool IsSaturated => false;
}
