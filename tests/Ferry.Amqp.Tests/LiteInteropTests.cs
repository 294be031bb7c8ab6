using Amqp;
using Amqp.Types;
using Ferry.Amqp;
using Lite = global::Amqp.Framing;

namespace Ferry.Amqp.Tests;

/// <summary>AMQPNetLite is an independent implementation: what we write it must read, and the reverse.</summary>
public class LiteInteropTests
{
    private static object LiteRead(byte[] bytes) =>
        Encoder.ReadObject(new ByteBuffer(bytes, 0, bytes.Length, bytes.Length));

    private static byte[] LiteWrite(object value)
    {
        var buffer = new ByteBuffer(256, true);
        Encoder.WriteObject(buffer, value);
        return buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
    }

    [Fact]
    public void OurAttach_ReadByLite()
    {
        var attach = new Attach
        {
            Name = "q-sender",
            Handle = 3,
            Role = Role.Receiver,
            SndSettleMode = SenderSettleMode.Unsettled,
            RcvSettleMode = ReceiverSettleMode.Second,
            Source = new Source { Address = "q", Filter = new AmqpMap { { new AmqpSymbol("com.microsoft:session-filter"), "s1" } } },
            Target = new Target { Address = "client" },
            MaxMessageSize = 262144,
            Properties = new AmqpMap { { new AmqpSymbol("com.microsoft:locked-until-utc"), 638000000000000000L } },
        };
        var lite = Assert.IsType<Lite.Attach>(LiteRead(Hex.Encode(attach)));
        Assert.Equal("q-sender", lite.LinkName);
        Assert.Equal(3u, lite.Handle);
        Assert.True(lite.Role);
        Assert.Equal(Lite.SenderSettleMode.Unsettled, lite.SndSettleMode);
        Assert.Equal(Lite.ReceiverSettleMode.Second, lite.RcvSettleMode);
        var source = Assert.IsType<Lite.Source>(lite.Source);
        Assert.Equal("q", source.Address);
        Assert.Equal("s1", source.FilterSet[new Symbol("com.microsoft:session-filter")]);
        Assert.Equal(262144ul, lite.MaxMessageSize);
        Assert.Equal(638000000000000000L, lite.Properties[new Symbol("com.microsoft:locked-until-utc")]);
    }

    [Fact]
    public void LiteFlowAndTransfer_ReadByUs()
    {
        var flow = new Lite.Flow { NextIncomingId = 1, IncomingWindow = 2, NextOutgoingId = 3, OutgoingWindow = 4, Handle = 5, DeliveryCount = 6, LinkCredit = 7, Drain = true };
        var ours = Assert.IsType<Flow>(Performative.Decode(LiteWrite(flow), out _));
        Assert.Equal(1u, ours.NextIncomingId);
        Assert.Equal(5u, ours.Handle);
        Assert.Equal(7u, ours.LinkCredit);
        Assert.True(ours.Drain);

        var transfer = new Lite.Transfer { Handle = 1, DeliveryId = 2, DeliveryTag = [9, 9], MessageFormat = ServiceBusBatch.MessageFormat, Settled = false, More = true };
        var t = Assert.IsType<Transfer>(Performative.Decode(LiteWrite(transfer), out _));
        Assert.Equal(2u, t.DeliveryId);
        Assert.Equal(new byte[] { 9, 9 }, t.DeliveryTag);
        Assert.Equal(ServiceBusBatch.MessageFormat, t.MessageFormat);
        Assert.True(t.More);
    }

    [Fact]
    public void LiteDispositionWithRejected_ReadByUs()
    {
        var error = new Lite.Error(new Symbol("com.microsoft:dead-letter")) { Info = new Fields { { new Symbol("DeadLetterReason"), "why" } } };
        var disposition = new Lite.Dispose { Role = true, First = 4, Last = 8, Settled = true, State = new Lite.Rejected { Error = error } };
        var ours = Assert.IsType<Disposition>(Performative.Decode(LiteWrite(disposition), out _));
        Assert.Equal(Role.Receiver, ours.Role);
        Assert.Equal(8u, ours.Last);
        var rejected = Assert.IsType<Rejected>(ours.State);
        Assert.Equal("why", rejected.Error!.Info![new AmqpSymbol("DeadLetterReason")]);
    }

    [Fact]
    public void OurOpenAndSasl_ReadByLite()
    {
        var open = Assert.IsType<Lite.Open>(LiteRead(Hex.Encode(new Open { ContainerId = "ferry", MaxFrameSize = 65536, ChannelMax = 255, IdleTimeOut = 120000 })));
        Assert.Equal("ferry", open.ContainerId);
        Assert.Equal(65536u, open.MaxFrameSize);
        Assert.Equal(255, open.ChannelMax);
        Assert.Equal(120000u, open.IdleTimeOut);

        var values = new List<object?> { 1L, "s", new AmqpSymbol("sym"), Guid.NewGuid(), new byte[] { 1 }, new[] { 1L, 2L }, DateTimeOffset.FromUnixTimeMilliseconds(5) };
        var lite = Assert.IsType<List>(LiteRead(AmqpEncoder.Encode(values)));
        Assert.Equal(1L, lite[0]);
        Assert.Equal("sym", (string)(Symbol)lite[2]);
        Assert.Equal(values[3], lite[3]);
        Assert.Equal(new[] { 1L, 2L }, (long[])lite[5]);
        Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(5), lite[6]);
    }

    [Fact]
    public void LiteValues_ReadByUs()
    {
        var map = new Map { { "k", 1 }, { new Symbol("s"), new List { 1u, null, "x" } }, { 5L, new global::Amqp.Types.DescribedValue(0x77ul, "d") } };
        var ours = Assert.IsType<AmqpMap>(AmqpEncoder.Decode(LiteWrite(map)));
        Assert.Equal(1, ours["k"]);
        Assert.Equal(new List<object?> { 1u, null, "x" }, (List<object?>)ours[new AmqpSymbol("s")]!);
        Assert.Equal(new Ferry.Amqp.DescribedValue(0x77ul, "d"), ours[5L]);
    }
}
