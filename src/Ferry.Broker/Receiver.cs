using Ferry.Storage;

namespace Ferry.Broker;

/// <summary>
/// A registered consumer of one sub-queue. It holds credit, and the entity pushes messages to its
/// <see cref="IDeliverySink"/> while credit lasts: no polling.
/// </summary>
/// <remarks>
/// Credit is expressed the way AMQP expresses it (§2.6.7): a limit on the total number of deliveries made to this
/// receiver since it was created. <see cref="SetDeliveryLimit"/> with <c>Delivered + n</c> grants n more messages.
/// Thread-safe.
/// </remarks>
public sealed class Receiver : IDisposable
{
    private readonly QueueEntity _entity;

    internal Receiver(QueueEntity entity, SubQueueState queue, ReceiveMode mode, IDeliverySink sink)
    {
        _entity = entity;
        Queue = queue;
        Mode = mode;
        Sink = sink;
    }

    public ReceiveMode Mode { get; }

    /// <summary>For a session receiver: the session it holds (null while an accept-next-session is pending).</summary>
    public string? SessionId => Session?.Id;

    /// <summary>For a session receiver: when its session lock expires.</summary>
    public DateTimeOffset? SessionLockedUntil => Session?.LockedUntil;

    internal SessionQueue? Session { get; set; }

    internal bool IsSessionReceiver { get; init; }

    public SubQueue SubQueue => Queue.Kind;

    public QueueEntity Entity => _entity;

    internal SubQueueState Queue { get; }

    internal IDeliverySink Sink { get; }

    /// <summary>Deliveries made to this receiver so far. Read under the entity's lock for an exact value.</summary>
    public long Delivered { get; internal set; }

    internal long Limit { get; set; }

    internal bool Closed { get; set; }

    /// <summary>Deliveries still allowed.</summary>
    public int Credit => Closed ? 0 : (int)Math.Clamp(Limit - Delivered, 0, int.MaxValue);

    /// <summary>Allows deliveries until <see cref="Delivered"/> reaches <paramref name="limit"/>, and delivers what is ready now.</summary>
    public void SetDeliveryLimit(long limit) => _entity.SetDeliveryLimit(this, limit);

    /// <summary>Grants <paramref name="credit"/> more deliveries.</summary>
    public void AddCredit(int credit) => _entity.AddCredit(this, credit);

    /// <summary>
    /// Delivers what is ready within the current credit, then gives up the rest of it. Returns the total number of
    /// deliveries made to this receiver, which is where a drained AMQP link's delivery-count ends.
    /// </summary>
    public long Drain() => _entity.Drain(this);

    /// <summary>Delivers what is ready within the current credit; for a sink that stopped being saturated.</summary>
    public void Resume() => _entity.Resume(this);

    /// <summary>Unregisters the receiver. Locks it holds stay valid until they expire, as in Service Bus.</summary>
    public void Dispose() => _entity.RemoveReceiver(this);
}
