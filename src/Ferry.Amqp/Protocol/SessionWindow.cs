namespace Ferry.Amqp;

/// <summary>
/// Session flow control (AMQP 1.0 §2.5.6): transfer-ids and windows in both directions, plus delivery-id
/// allocation for deliveries this side sends. Not thread-safe.
/// </summary>
/// <remarks>
/// Every transfer frame takes one transfer-id; a delivery takes one delivery-id however many frames it spans.
/// </remarks>
public sealed class SessionWindow
{
    private readonly uint _initialOutgoingId;
    private uint _incomingRemaining;

    /// <param name="initialOutgoingId">This side's first transfer-id (its begin's next-outgoing-id).</param>
    /// <param name="incomingWindow">How many incoming transfer frames this side accepts before it grants more.</param>
    /// <param name="outgoingWindow">The outgoing-window this side advertises.</param>
    public SessionWindow(uint initialOutgoingId, uint incomingWindow, uint outgoingWindow)
    {
        _initialOutgoingId = initialOutgoingId;
        NextOutgoingId = initialOutgoingId;
        NextDeliveryId = initialOutgoingId;
        IncomingWindow = incomingWindow;
        OutgoingWindow = outgoingWindow;
        _incomingRemaining = incomingWindow;
    }

    public uint NextOutgoingId { get; private set; }

    public uint OutgoingWindow { get; set; }

    /// <summary>The configured incoming window, restored by <see cref="ReplenishIncomingWindow"/>.</summary>
    public uint IncomingWindow { get; set; }

    /// <summary>Incoming transfers still allowed before a window violation.</summary>
    public uint IncomingWindowRemaining => _incomingRemaining;

    /// <summary>Null until the peer's begin arrives.</summary>
    public uint? NextIncomingId { get; private set; }

    public uint RemoteIncomingWindow { get; private set; }

    public uint RemoteOutgoingWindow { get; private set; }

    public uint NextDeliveryId { get; private set; }

    /// <summary>True when the peer's window allows another outgoing transfer frame.</summary>
    public bool CanSend => RemoteIncomingWindow > 0;

    /// <summary>True when less than half the incoming window remains: time to send a session flow.</summary>
    public bool ShouldReplenishIncomingWindow => _incomingRemaining < IncomingWindow / 2;

    /// <summary>Takes the peer's begin: its next-outgoing-id starts our next-incoming-id, and its windows bound ours.</summary>
    public void OnBegin(Begin begin)
    {
        ArgumentNullException.ThrowIfNull(begin);
        NextIncomingId = begin.NextOutgoingId;
        RemoteIncomingWindow = begin.IncomingWindow;
        RemoteOutgoingWindow = begin.OutgoingWindow;
    }

    /// <summary>
    /// Takes the session fields of a peer's flow: remote-incoming-window := next-incoming-id_flow +
    /// incoming-window_flow − next-outgoing-id_endpoint (§2.5.6); an absent next-incoming-id means our initial
    /// transfer-id was not yet seen, so the peer's window counts from there.
    /// </summary>
    public void OnFlow(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        uint peerNextIncoming = flow.NextIncomingId ?? _initialOutgoingId;
        uint limit = unchecked(peerNextIncoming + flow.IncomingWindow);
        RemoteIncomingWindow = SerialNumber.IsBefore(NextOutgoingId, limit) ? SerialNumber.Distance(NextOutgoingId, limit) : 0;
        RemoteOutgoingWindow = flow.OutgoingWindow;
    }

    /// <summary>Allocates the delivery-id for a new outgoing delivery.</summary>
    public uint AllocateDeliveryId()
    {
        uint id = NextDeliveryId;
        NextDeliveryId = unchecked(id + 1);
        return id;
    }

    /// <summary>Accounts for one outgoing transfer frame.</summary>
    /// <exception cref="InvalidOperationException">The peer's incoming window is closed; check <see cref="CanSend"/> first.</exception>
    public void OnTransferSent()
    {
        if (RemoteIncomingWindow == 0)
        {
            throw new InvalidOperationException("The peer's incoming window is closed.");
        }

        RemoteIncomingWindow--;
        NextOutgoingId = unchecked(NextOutgoingId + 1);
    }

    /// <summary>Accounts for one incoming transfer frame.</summary>
    /// <exception cref="AmqpProtocolException">The frame is outside the incoming window, or arrived before begin:
    /// condition <c>amqp:session:window-violation</c>.</exception>
    public void OnTransferReceived()
    {
        if (NextIncomingId is not { } next || _incomingRemaining == 0)
        {
            throw new AmqpProtocolException(AmqpErrorCode.WindowViolation, "A transfer arrived outside the session's incoming window (AMQP 1.0 §2.5.6).");
        }

        _incomingRemaining--;
        NextIncomingId = unchecked(next + 1);
        if (RemoteOutgoingWindow > 0)
        {
            RemoteOutgoingWindow--;
        }
    }

    /// <summary>Reopens the incoming window to <see cref="IncomingWindow"/>; then send a flow (<see cref="WriteSessionState"/>).</summary>
    public void ReplenishIncomingWindow() => _incomingRemaining = IncomingWindow;

    /// <summary>Sets the session fields of a flow: next-incoming-id, incoming-window, next-outgoing-id, outgoing-window.</summary>
    public void WriteSessionState(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        flow.NextIncomingId = NextIncomingId;
        flow.IncomingWindow = _incomingRemaining;
        flow.NextOutgoingId = NextOutgoingId;
        flow.OutgoingWindow = OutgoingWindow;
    }
}
