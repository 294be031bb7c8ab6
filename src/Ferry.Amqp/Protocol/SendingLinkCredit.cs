namespace Ferry.Amqp;

/// <summary>
/// Flow control for a link on which this side is the sender (AMQP 1.0 §2.6.7). The receiver grants credit with
/// flow frames; each transfer consumes one credit and advances the delivery-count. Not thread-safe: drive it
/// from the connection's single reader/writer loop.
/// </summary>
public sealed class SendingLinkCredit
{
    public SendingLinkCredit(uint handle, uint initialDeliveryCount = 0)
    {
        Handle = handle;
        DeliveryCount = initialDeliveryCount;
        InitialDeliveryCount = initialDeliveryCount;
    }

    public uint Handle { get; }

    public uint InitialDeliveryCount { get; }

    /// <summary>The sender's delivery-count: initial value plus deliveries sent (§2.6.7), wrapping.</summary>
    public uint DeliveryCount { get; private set; }

    public uint LinkCredit { get; private set; }

    /// <summary>The receiver asked for drain and it has not been completed yet.</summary>
    public bool Drain { get; private set; }

    /// <summary>Messages this side could send now; reported in flow's available field. Set by the caller.</summary>
    public uint Available { get; set; }

    public bool HasCredit => LinkCredit > 0;

    /// <summary>
    /// Applies a flow frame from the receiver: link-credit_snd := delivery-count_rcv + link-credit_rcv −
    /// delivery-count_snd (§2.6.7), where an absent receiver delivery-count means our initial-delivery-count.
    /// Credit the receiver granted for deliveries already sent is not counted twice; a result that would be
    /// negative is 0. Returns true when the flow asked for an echo (§2.7.4) and this side should answer with its
    /// link state.
    /// </summary>
    public bool OnFlow(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (flow.LinkCredit is { } credit)
        {
            uint receiverCount = flow.DeliveryCount ?? InitialDeliveryCount;
            uint limit = unchecked(receiverCount + credit);
            LinkCredit = SerialNumber.IsBefore(DeliveryCount, limit) ? SerialNumber.Distance(DeliveryCount, limit) : 0;
        }

        Drain = flow.Drain;
        return flow.Echo;
    }

    /// <summary>Consumes one credit for a transfer about to be sent; false (nothing changes) when there is none.</summary>
    public bool TryConsume()
    {
        if (LinkCredit == 0)
        {
            return false;
        }

        LinkCredit--;
        DeliveryCount = unchecked(DeliveryCount + 1);
        return true;
    }

    /// <summary>
    /// Completes a drain when this side has nothing more to send (§2.6.7): the delivery-count advances by the
    /// remaining credit, credit becomes 0, and <paramref name="reply"/> is filled with the link state to send back
    /// with drain=true. Returns false, touching nothing, when no drain is pending.
    /// </summary>
    public bool TryCompleteDrain(Flow reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (!Drain)
        {
            return false;
        }

        DeliveryCount = unchecked(DeliveryCount + LinkCredit);
        LinkCredit = 0;
        WriteLinkState(reply);
        reply.Drain = true;
        Drain = false;
        return true;
    }

    /// <summary>Sets the link fields of a flow (handle, delivery-count, link-credit, available, drain); the session
    /// fields are the caller's (see <see cref="SessionWindow.WriteSessionState"/>).</summary>
    public void WriteLinkState(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        flow.Handle = Handle;
        flow.DeliveryCount = DeliveryCount;
        flow.LinkCredit = LinkCredit;
        flow.Available = Available;
        flow.Drain = Drain;
    }
}
