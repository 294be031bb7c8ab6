namespace Ferry.Amqp;

/// <summary>
/// The transactional-state delivery state (AMQP 1.0 §4.5.5): on a transfer it enlists the message in a transaction
/// (transactional posting, §4.4.1); on a disposition it enlists the settlement, with the outcome to apply at commit
/// (transactional retirement, §4.4.2). Wire layout: <c>0x00 0x53 0x34</c> list [ txn-id: binary (mandatory),
/// outcome: * (an outcome of §3.4, or null) ].
/// </summary>
public sealed class TransactionalState : DeliveryState
{
    public override ulong DescriptorCode => Descriptor.TransactionalState;

    public byte[] TxnId { get; set; } = [];

    /// <summary>The outcome the transaction applies when it commits; never another transactional state.</summary>
    public DeliveryState? Outcome { get; set; }

    public override void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.TransactionalState);
        writer.FieldBinary(ref s, TxnId);
        writer.FieldComposite(ref s, Outcome);
        writer.EndComposite(s);
    }
}
