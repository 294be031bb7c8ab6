using System.Buffers;
using Ferry.Amqp;

namespace Ferry.Server.Amqp;

/// <summary>
/// A link on which the client sends (we are the receiver): grants credit in a window, reassembles multi-frame
/// transfers within a size bound, and hands each complete message to <see cref="OnMessage"/>.
/// </summary>
internal abstract class IncomingLink : AmqpLink
{
    private readonly uint _creditWindow;
    private uint _deliveryCount;
    private uint _credit;
    private ArrayBufferWriter<byte>? _partial;
    private uint _partialDeliveryId;
    private bool _partialSettled;
    private uint _partialFormat;
    private bool _inProgress;

    protected IncomingLink(AmqpSession session, Attach attach, uint creditWindow) : base(session, attach)
    {
        _creditWindow = creditWindow;
    }

    /// <summary>Largest message accepted on this link, in bytes.</summary>
    protected abstract long MessageSizeLimit { get; }

    /// <summary>A complete message arrived. <paramref name="message"/> is owned by the callee.</summary>
    protected abstract void OnMessage(uint deliveryId, bool settled, uint messageFormat, byte[] message);

    public override void OnAttached()
    {
        // rhea resolves a sender only once it has credit: grant it right after the attach (reference §3.2).
        _credit = _creditWindow;
        Session.WriteLinkFlow(Handle, _deliveryCount, _credit);
    }

    public override void OnFlow(Flow flow)
    {
        if (flow.Echo)
            Session.WriteLinkFlow(Handle, _deliveryCount, _credit);
    }

    public void OnTransfer(Transfer transfer, in ReadOnlySequence<byte> payload)
    {
        if (!_inProgress)
        {
            if (_credit == 0)
            {
                DetachWithError(AmqpErrorCode.TransferLimitExceeded, "A transfer arrived with no link credit (AMQP 1.0 §2.6.7).");
                return;
            }
            if (transfer.DeliveryId is not { } deliveryId)
            {
                DetachWithError(AmqpErrorCode.InvalidField, "The first transfer of a delivery must carry a delivery-id.");
                return;
            }
            _credit--;
            _deliveryCount++;
            _inProgress = true;
            _partialDeliveryId = deliveryId;
            _partialSettled = transfer.Settled ?? false;
            _partialFormat = transfer.MessageFormat ?? 0;
        }
        if (transfer.Aborted)
        {
            ResetPartial();
            return;
        }
        var size = (_partial?.WrittenCount ?? 0) + payload.Length;
        if (size > MessageSizeLimit)
        {
            ResetPartial();
            DetachWithError(AmqpErrorCode.MessageSizeExceeded,
                $"The message is larger than {MessageSizeLimit} bytes, the largest this link accepts.");
            return;
        }
        if (transfer.More)
        {
            _partial ??= new ArrayBufferWriter<byte>((int)Math.Min(size * 2, MessageSizeLimit));
            foreach (var segment in payload)
                _partial.Write(segment.Span);
            return;
        }
        byte[] message;
        if (_partial is null)
        {
            message = payload.ToArray();
        }
        else
        {
            message = new byte[size];
            _partial.WrittenSpan.CopyTo(message);
            payload.CopyTo(message.AsSpan(_partial.WrittenCount));
        }
        var id = _partialDeliveryId;
        var settled = _partialSettled;
        var format = _partialFormat;
        ResetPartial();
        OnMessage(id, settled, format, message);
        if (_credit <= _creditWindow / 2)
        {
            _credit = _creditWindow;
            Session.WriteLinkFlow(Handle, _deliveryCount, _credit);
        }
    }

    private void ResetPartial()
    {
        _partial = null;
        _inProgress = false;
    }

    /// <summary>Settles a delivery of the client with an outcome (§2.7.6), unless the client sent it settled.</summary>
    protected void Settle(uint deliveryId, bool clientSettled, DeliveryState outcome)
    {
        if (clientSettled)
            return;
        Connection.WriteFrame(Session.Channel, new Disposition { Role = Role.Receiver, First = deliveryId, Settled = true, State = outcome });
    }

    public override void Close() => ResetPartial();
}
