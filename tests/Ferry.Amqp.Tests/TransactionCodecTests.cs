using Amqp;
using Amqp.Types;
using Ferry.Amqp;
using Lite = global::Amqp.Framing;
using LiteTxn = global::Amqp.Transactions;

namespace Ferry.Amqp.Tests;

/// <summary>AMQP 1.0 part 4 (transactions): spec byte vectors, and AMQPNetLite as an independent implementation.</summary>
public class TransactionCodecTests
{
    // AMQPNetLite registers its transaction types lazily (not before its own first use of them, which depends on
    // which tests ran first in this process), and its encoder's registry is not safe to change while other tests read
    // it: the coordinator is registered once, when this assembly loads, before any test runs. (Registered from this
    // class's static constructor instead, a fresh clone's CI run once failed the class's 12 tests with "An item with the
    // same key has already been added": another class had made AMQPNetLite register it between the check and the add.)
#pragma warning disable CA2255 // a module initializer is the point here: before xUnit starts any test in parallel
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterLiteCoordinator()
    {
        if (LiteRead(Hex.Encode(new Coordinator())) is LiteTxn.Coordinator)
            return;
        try
        {
            Encoder.AddKnownDescribed(new global::Amqp.Types.Descriptor(0x30, "amqp:coordinator:list"), () => new LiteTxn.Coordinator());
        }
        catch (ArgumentException)
        {
            // Already registered; the tests below read coordinators back and fail if it is still not known.
        }
    }

    private static byte[] LiteWrite(object value)
    {
        var buffer = new ByteBuffer(256, true);
        Encoder.WriteObject(buffer, value);
        return buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
    }

    private static object LiteRead(byte[] bytes) => Encoder.ReadObject(new ByteBuffer(bytes, 0, bytes.Length, bytes.Length));

    [Fact]
    public void Declared_EncodesSpecBytes()
    {
        // 0x00 0x53 0x33, list8 size 7 count 1, vbin8 length 4.
        Assert.Equal("005333C00701A00401020304", Hex.Of(Hex.Encode(new Declared([1, 2, 3, 4]))));
    }

    [Fact]
    public void TransactionalState_EncodesSpecBytes_AndRoundTripsThroughDisposition()
    {
        var state = new TransactionalState { TxnId = [1, 2], Outcome = Accepted.Instance };
        Assert.Equal("005334C00902A0020102" + "00532445", Hex.Of(Hex.Encode(state)));

        var bytes = Hex.Encode(new Disposition { Role = Role.Receiver, First = 7, Settled = true, State = state });
        var decoded = Assert.IsType<Disposition>(Performative.Decode(bytes, out _));
        var read = Assert.IsType<TransactionalState>(decoded.State);
        Assert.Equal(new byte[] { 1, 2 }, read.TxnId);
        Assert.Same(Accepted.Instance, read.Outcome);
    }

    [Fact]
    public void TransactionalState_WithoutOutcome_DecodesNullOutcome()
    {
        // On a transfer (transactional posting) the state carries only the txn-id: list8 size 5 count 1.
        var bytes = Hex.Bytes("005314C01608" + "5200" + "5201" + "A00101" + "43" + "42" + "40" + "40" + "005334C00501A0020A0B");
        var transfer = Assert.IsType<Transfer>(Performative.Decode(bytes, out _));
        var state = Assert.IsType<TransactionalState>(transfer.State);
        Assert.Equal(new byte[] { 0x0A, 0x0B }, state.TxnId);
        Assert.Null(state.Outcome);
    }

    [Fact]
    public void TransactionalState_WithoutTxnId_IsADecodeError()
    {
        var bytes = Hex.Bytes("005315C00A05" + "41" + "5201" + "40" + "41" + "00533445");
        var ex = Assert.Throws<AmqpDecodeException>(() => Performative.Decode(bytes, out _));
        Assert.Contains("txn-id", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TransactionalState_NestedInItself_IsADecodeError()
    {
        var nested = new TransactionalState { TxnId = [1], Outcome = new TransactionalState { TxnId = [2] } };
        var bytes = Hex.Encode(new Disposition { Role = Role.Receiver, First = 1, State = nested });
        var ex = Assert.Throws<AmqpDecodeException>(() => Performative.Decode(bytes, out _));
        Assert.Contains("§3.4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attach_WithCoordinatorTarget_RoundTrips()
    {
        var attach = new Attach
        {
            Name = "txn-controller",
            Handle = 0,
            Role = Role.Sender,
            Source = new Source { Address = "client" },
            Coordinator = new Coordinator { Capabilities = [Coordinator.LocalTransactions] },
            InitialDeliveryCount = 0,
        };
        var bytes = Hex.Encode(attach);
        Assert.Contains("005330C0", Hex.Of(bytes), StringComparison.Ordinal);
        var decoded = Assert.IsType<Attach>(Performative.Decode(bytes, out _));
        Assert.Null(decoded.Target);
        Assert.Equal(Coordinator.LocalTransactions, Assert.Single(decoded.Coordinator!.Capabilities!));
        Assert.Equal(bytes, Hex.Encode(decoded));
    }

    [Fact]
    public void LiteCoordinatorAttach_ReadByUs()
    {
        var attach = new Lite.Attach
        {
            LinkName = "ctl",
            Handle = 2,
            Role = false,
            Source = new Lite.Source(),
            Target = new LiteTxn.Coordinator { Capabilities = [new Symbol("amqp:local-transactions")] },
            InitialDeliveryCount = 0,
        };
        var ours = Assert.IsType<Attach>(Performative.Decode(LiteWrite(attach), out _));
        Assert.Equal("amqp:local-transactions", Assert.Single(ours.Coordinator!.Capabilities!).Value);
        Assert.Null(ours.Target);
    }

    [Fact]
    public void OurCoordinator_ReadByLite()
    {
        var coordinator = new Coordinator { Capabilities = [Coordinator.LocalTransactions] };
        var lite = Assert.IsType<LiteTxn.Coordinator>(LiteRead(Hex.Encode(coordinator)));
        Assert.Equal(new Symbol("amqp:local-transactions"), Assert.Single(lite.Capabilities));
    }

    [Fact]
    public void LiteDeclareAndDischargeMessages_ReadByUs()
    {
        var declare = Assert.IsType<Declare>(TransactionControl.Decode(MessageTests.LiteEncode(new Message(new LiteTxn.Declare()))));
        Assert.Null(declare.GlobalId);

        var discharge = Assert.IsType<Discharge>(TransactionControl.Decode(MessageTests.LiteEncode(
            new Message(new LiteTxn.Discharge { TxnId = [5, 6, 7], Fail = true }))));
        Assert.Equal(new byte[] { 5, 6, 7 }, discharge.TxnId);
        Assert.True(discharge.Fail);
    }

    [Fact]
    public void TransactionControl_OtherBodies_AreDecodeErrors()
    {
        Assert.Throws<AmqpDecodeException>(() => TransactionControl.Decode(MessageTests.LiteEncode(new Message("declare"))));
        Assert.Throws<AmqpDecodeException>(() => TransactionControl.Decode(MessageTests.LiteEncode(new Message(new LiteTxn.Discharge()))));
        Assert.Throws<AmqpDecodeException>(() => TransactionControl.Decode(MessageTests.LiteEncode(new Message { BodySection = new Lite.Data { Binary = [1] } })));
    }

    [Fact]
    public void OurDeclaredAndTransactionalOutcome_ReadByLite()
    {
        var declared = new Disposition { Role = Role.Receiver, First = 0, Settled = true, State = new Declared([9, 8, 7, 6, 5, 4, 3, 2]) };
        var lite = Assert.IsType<Lite.Dispose>(LiteRead(Hex.Encode(declared)));
        Assert.Equal(new byte[] { 9, 8, 7, 6, 5, 4, 3, 2 }, Assert.IsType<LiteTxn.Declared>(lite.State).TxnId);

        var rejected = new Disposition
        {
            Role = Role.Receiver,
            First = 1,
            Settled = true,
            State = new TransactionalState { TxnId = [1], Outcome = new Rejected(new AmqpError(AmqpErrorCode.TransactionRollback, "why")) },
        };
        var state = Assert.IsType<LiteTxn.TransactionalState>(Assert.IsType<Lite.Dispose>(LiteRead(Hex.Encode(rejected))).State);
        Assert.Equal(new Symbol("amqp:transaction:rollback"), Assert.IsType<Lite.Rejected>(state.Outcome).Error.Condition);
    }

    [Fact]
    public void LiteTransactionalDisposition_ReadByUs()
    {
        var dispose = new Lite.Dispose
        {
            Role = true,
            First = 3,
            Settled = true,
            State = new LiteTxn.TransactionalState { TxnId = [4, 2], Outcome = new Lite.Modified { UndeliverableHere = true } },
        };
        var ours = Assert.IsType<Disposition>(Performative.Decode(LiteWrite(dispose), out _));
        var state = Assert.IsType<TransactionalState>(ours.State);
        Assert.Equal(new byte[] { 4, 2 }, state.TxnId);
        Assert.True(Assert.IsType<Modified>(state.Outcome).UndeliverableHere);
    }
}
