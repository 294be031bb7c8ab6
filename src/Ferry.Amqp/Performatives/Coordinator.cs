namespace Ferry.Amqp;

/// <summary>
/// The coordinator target (AMQP 1.0 §4.5.1): a client sender link whose target is a coordinator declares and discharges
/// transactions. Wire layout: <c>0x00 0x53 0x30</c> list [ capabilities: symbol (multiple) ].
/// </summary>
public sealed class Coordinator : IAmqpComposite
{
    /// <summary>The capability of a resource that supports local transactions (§4.5.9, txn-capability).</summary>
    public static readonly AmqpSymbol LocalTransactions = "amqp:local-transactions";

    public ulong DescriptorCode => Descriptor.Coordinator;

    /// <summary>The transaction capabilities asked for (client) or supported (reply).</summary>
    public AmqpSymbol[]? Capabilities { get; set; }

    public void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Coordinator);
        writer.FieldSymbols(ref s, Capabilities);
        writer.EndComposite(s);
    }

    /// <summary>Reads the fields of a coordinator whose descriptor the caller has read.</summary>
    internal static Coordinator DecodeFields(ref AmqpReader f, int n)
    {
        var coordinator = new Coordinator();
        if (f.NextField(ref n)) coordinator.Capabilities = FieldReader.ReadSymbols(ref f);
        return coordinator;
    }
}
