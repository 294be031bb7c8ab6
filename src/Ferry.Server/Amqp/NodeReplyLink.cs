using Ferry.Amqp;

namespace Ferry.Server.Amqp;

/// <summary>
/// The client's receiver on <c>$cbs</c> or <c>…/$management</c>: responses go here, matched by the request's reply-to
/// against this link's target address or name. Responses wait for credit; they are sent pre-settled.
/// </summary>
internal sealed class NodeReplyLink : AmqpLink
{
    private readonly Queue<byte[]> _waiting = new();
    private uint _deliveryCount;
    private uint _credit;

    public NodeReplyLink(AmqpSession session, Attach attach) : base(session, attach)
    {
        TargetAddress = attach.Target?.Address;
    }

    public string? TargetAddress { get; }

    public override void OnAttached() => Connection.RegisterReplyLink(this);

    public override void OnFlow(Flow flow)
    {
        if (flow.LinkCredit is not { } credit)
            return;
        List<byte[]>? ready = null;
        lock (Connection.SyncRoot)
        {
            _credit = (flow.DeliveryCount ?? 0) + credit - _deliveryCount;
            while (_credit > 0 && _waiting.Count > 0)
            {
                (ready ??= []).Add(_waiting.Dequeue());
                _credit--;
                _deliveryCount++;
            }
        }
        if (ready is not null)
        {
            foreach (var message in ready)
                Write(message);
        }
    }

    /// <summary>Sends an encoded response message, now if there is credit, else when credit comes.</summary>
    public void Send(byte[] message)
    {
        lock (Connection.SyncRoot)
        {
            if (_credit == 0)
            {
                _waiting.Enqueue(message);
                return;
            }
            _credit--;
            _deliveryCount++;
        }
        Write(message);
    }

    private void Write(byte[] message)
    {
        lock (Connection.SyncRoot)
        {
            var transfer = new Transfer
            {
                Handle = Handle,
                DeliveryId = Session.AllocateSettledTransfer(),
                DeliveryTag = BitConverter.GetBytes(_deliveryCount),
                MessageFormat = 0,
                Settled = true,
            };
            Connection.WriteTransfer(Session.Channel, transfer, message);
        }
    }

    public override void Close() => Connection.UnregisterReplyLink(this);
}
