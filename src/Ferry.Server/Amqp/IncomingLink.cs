using System.Buffers;
using Ferry.Amqp;

namespace Ferry.Server.Amqp;

/// <summary>
/// A link on which the client sends (we are the receiver): grants credit in a window (<see cref="ReceivingLinkCredit"/>),
/// reassembles multi-frame transfers within a size bound (<see cref="TransferAssembler"/>), and hands each complete
/// message to <see cref="OnMessage"/>.
/// </summary>
/// <remarks>
/// Credit comes back as messages are done with, not as they arrive: the link keeps the messages it has not finished
/// (<see cref="Completed"/>) plus its credit within the window, so a producer faster than the store waits for credit
/// instead of piling sends up in memory. A delivery the client aborts uses its credit without giving it back.
/// </remarks>
internal abstract class IncomingLink : AmqpLink
{
    private readonly uint _creditWindow;
    private readonly ReceivingLinkCredit _credit;
    private readonly Lock _creditLock = new();
    private TransferAssembler? _assembler;
    private int _outstanding;

    protected IncomingLink(AmqpSession session, Attach attach, uint creditWindow) : base(session, attach)
    {
        _creditWindow = creditWindow;
        _credit = new ReceivingLinkCredit(attach.Handle, attach.InitialDeliveryCount ?? 0);
    }

    /// <summary>Largest message accepted on this link, in bytes.</summary>
    protected abstract long MessageSizeLimit { get; }

    /// <summary>
    /// A complete message arrived. <paramref name="message"/> is owned by the callee (nothing else refers to its memory,
    /// so the broker may keep it as the stored body); <paramref name="state"/> is the delivery state of its first
    /// transfer (a <see cref="TransactionalState"/> enlists it in a transaction, §4.4.1).
    /// </summary>
    protected abstract void OnMessage(uint deliveryId, bool settled, uint messageFormat, ReadOnlyMemory<byte> message, DeliveryState? state);

    public override void OnAttached()
    {
        // rhea resolves a sender only once it has credit: grant it right after the attach (reference §3.2).
        lock (_creditLock)
        {
            _credit.SetCredit(_creditWindow);
            WriteCredit();
        }
    }

    public override void OnFlow(Flow flow)
    {
        lock (_creditLock)
        {
            _credit.OnFlow(flow);
            if (flow.Echo)
                WriteCredit();
        }
    }

    // Caller holds _creditLock, so flows go out in the order the credit changed.
    private void WriteCredit() => Session.WriteLinkFlow(Handle, _credit.DeliveryCount, _credit.LinkCredit);

    /// <summary>A message handed to <see cref="OnMessage"/> is done with (stored or refused): its credit may come back.</summary>
    private void Completed()
    {
        lock (_creditLock)
        {
            _outstanding--;
            Replenish();
        }
    }

    private void Replenish()
    {
        var available = _creditWindow - (uint)Math.Max(0, _outstanding);
        if (_credit.LinkCredit <= available / 2 && available > _credit.LinkCredit)
        {
            _credit.SetCredit(available);
            WriteCredit();
        }
    }

    public void OnTransfer(Transfer transfer, in ReadOnlySequence<byte> payload)
    {
        try
        {
            if (_assembler is not { IsInProgress: true })
            {
                lock (_creditLock)
                    _credit.OnDelivery(); // the first frame of a delivery takes one credit (§2.6.7)
            }
            if (_assembler is not { IsInProgress: true } && !transfer.More && !transfer.Aborted)
            {
                // The common case, a delivery in one frame: one copy out of the pipe's buffer, no assembly. The assembler
                // also copies each frame once, straight into the array the message keeps.
                if (transfer.DeliveryId is not { } id)
                    throw new AmqpProtocolException(AmqpErrorCode.NotAllowed, "The first transfer of a delivery must carry a delivery-id (AMQP 1.0 §2.7.5).");
                if (payload.Length > MessageSizeLimit)
                    throw new AmqpProtocolException(AmqpErrorCode.MessageSizeExceeded, $"The message is larger than {MessageSizeLimit} bytes, the largest this link accepts.");
                Deliver(id, transfer.Settled == true, transfer.MessageFormat ?? 0, Copy(payload), transfer.State);
            }
            else
            {
                _assembler ??= new TransferAssembler(MessageSizeLimit);
                if (_assembler.Append(transfer, payload) == TransferResult.Complete)
                    Deliver(_assembler.DeliveryId, _assembler.Settled, _assembler.MessageFormat, _assembler.Message, _assembler.State);
            }
        }
        catch (AmqpProtocolException ex)
        {
            _assembler?.Reset();
            DetachWithError(ex.Condition, ex.Message);
        }
    }

    // Not zeroed first: every byte is overwritten by the copy.
    private static byte[] Copy(in ReadOnlySequence<byte> payload)
    {
        var message = GC.AllocateUninitializedArray<byte>((int)payload.Length);
        payload.CopyTo(message);
        return message;
    }

    private void Deliver(uint deliveryId, bool settled, uint messageFormat, ReadOnlyMemory<byte> message, DeliveryState? state)
    {
        lock (_creditLock)
            _outstanding++;
        OnMessage(deliveryId, settled, messageFormat, message, state);
    }

    /// <summary>
    /// Ends the link's work on a delivery: gives its credit back and settles it with an outcome (§2.7.6), unless the
    /// client sent it settled. Subclasses call it exactly once per <see cref="OnMessage"/>.
    /// </summary>
    protected void Settle(uint deliveryId, bool clientSettled, DeliveryState outcome)
    {
        Completed();
        if (clientSettled)
            return;
        if (outcome is Accepted)
        {
            Connection.WriteSettledAccepted(Session.Channel, deliveryId);
            return;
        }
        Connection.WriteFrame(Session.Channel, new Disposition { Role = Role.Receiver, First = deliveryId, Settled = true, State = outcome });
    }

    public override void Close()
    {
        _assembler?.Dispose();
        _assembler = null;
    }
}
