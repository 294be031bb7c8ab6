namespace Ferry.Amqp;

/// <summary>
/// Flow control for a link on which this side is the receiver (AMQP 1.0 §2.6.7): the credit this side granted
/// and the delivery-count it has seen. Not thread-safe.
/// </summary>
public sealed class ReceivingLinkCredit
{
    public ReceivingLinkCredit(uint handle, uint initialDeliveryCount)
    {
        Handle = handle;
        DeliveryCount = initialDeliveryCount;
    }

    public uint Handle { get; }

    public uint DeliveryCount { get; private set; }

    public uint LinkCredit { get; private set; }

    /// <summary>Sets the credit to grant; send it with <see cref="WriteLinkState"/>.</summary>
    public void SetCredit(uint credit) => LinkCredit = credit;

    /// <summary>
    /// Accounts for the first transfer of a delivery (continuation frames of a multi-frame delivery do not count).
    /// </summary>
    /// <exception cref="AmqpProtocolException">No credit was left: condition <c>amqp:link:transfer-limit-exceeded</c>.</exception>
    public void OnDelivery()
    {
        if (LinkCredit == 0)
        {
            throw new AmqpProtocolException(AmqpErrorCode.TransferLimitExceeded, "A transfer arrived without link credit (AMQP 1.0 §2.6.7).");
        }

        LinkCredit--;
        DeliveryCount = unchecked(DeliveryCount + 1);
    }

    /// <summary>Applies the sender's flow: its delivery-count is authoritative, and advancing it (after a drain)
    /// consumes the credit in between (§2.6.7).</summary>
    public void OnFlow(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (flow.DeliveryCount is { } senderCount && SerialNumber.IsBefore(DeliveryCount, senderCount))
        {
            uint advanced = SerialNumber.Distance(DeliveryCount, senderCount);
            LinkCredit = advanced >= LinkCredit ? 0 : LinkCredit - advanced;
            DeliveryCount = senderCount;
        }
    }

    public void WriteLinkState(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        flow.Handle = Handle;
        flow.DeliveryCount = DeliveryCount;
        flow.LinkCredit = LinkCredit;
    }
}
