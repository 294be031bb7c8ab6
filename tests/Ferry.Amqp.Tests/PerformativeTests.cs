using System.Text;
using Ferry.Amqp;

namespace Ferry.Amqp.Tests;

public class PerformativeTests
{
    private static string A(string ascii) => Convert.ToHexString(Encoding.ASCII.GetBytes(ascii));

    private static T RoundTrip<T>(T performative)
        where T : Performative
    {
        var bytes = Hex.Encode(performative);
        var decoded = Performative.Decode(bytes, out int length);
        Assert.Equal(bytes.Length, length);
        Assert.Equal(bytes, Hex.Encode(decoded));
        return Assert.IsType<T>(decoded);
    }

    [Fact]
    public void Open_EncodesSpecBytes_AndDropsTrailingNulls()
    {
        var open = new Open { ContainerId = "c", MaxFrameSize = 512 };
        Assert.Equal("005310C00A03" + "A10163" + "40" + "7000000200", Hex.Of(Hex.Encode(open)));
        var decoded = RoundTrip(open);
        Assert.Equal("c", decoded.ContainerId);
        Assert.Null(decoded.Hostname);
        Assert.Equal(512u, decoded.MaxFrameSize);
        Assert.Equal(ushort.MaxValue, decoded.ChannelMax);
        Assert.Null(decoded.IdleTimeOut);
    }

    [Fact]
    public void Open_AllFields_RoundTrip()
    {
        var open = new Open
        {
            ContainerId = Guid.NewGuid().ToString(),
            Hostname = "localhost",
            MaxFrameSize = 65536,
            ChannelMax = 7,
            IdleTimeOut = 60000,
            OutgoingLocales = ["en-US"],
            IncomingLocales = ["en-US", "fr"],
            OfferedCapabilities = ["ANONYMOUS-RELAY"],
            DesiredCapabilities = ["x"],
            Properties = new AmqpMap { { new AmqpSymbol("product"), "MSJSClient" }, { new AmqpSymbol("version"), "7.9.5" } },
        };
        var d = RoundTrip(open);
        Assert.Equal(open.Hostname, d.Hostname);
        Assert.Equal(7, d.ChannelMax);
        Assert.Equal(60000u, d.IdleTimeOut);
        Assert.Equal(["en-US", "fr"], d.IncomingLocales!);
        Assert.Equal("MSJSClient", d.Properties![new AmqpSymbol("product")]);
    }

    [Fact]
    public void Open_SymbolicDescriptorAndShortList_Decodes()
    {
        var bytes = Hex.Bytes("00A30E" + A("amqp:open:list") + "C00401A10178");
        var open = Assert.IsType<Open>(Performative.Decode(bytes, out _));
        Assert.Equal("x", open.ContainerId);
        Assert.Equal(uint.MaxValue, open.MaxFrameSize);
        var empty = Assert.IsType<Open>(Performative.Decode(Hex.Bytes("00531045"), out _));
        Assert.Equal(string.Empty, empty.ContainerId);
    }

    [Fact]
    public void Close_WithExtraFields_IgnoresThem()
    {
        var close = Assert.IsType<Close>(Performative.Decode(Hex.Bytes("005318C00403404040"), out int length));
        Assert.Null(close.Error);
        Assert.Equal(9, length);
    }

    [Fact]
    public void Begin_EncodesSpecBytes()
    {
        var begin = new Begin { NextOutgoingId = 1, IncomingWindow = 2048, OutgoingWindow = 2048 };
        Assert.Equal("005311C00E04" + "40" + "5201" + "7000000800" + "7000000800", Hex.Of(Hex.Encode(begin)));
        var d = RoundTrip(new Begin { RemoteChannel = 3, NextOutgoingId = 1, IncomingWindow = 5, OutgoingWindow = 6, HandleMax = 255, Properties = new AmqpMap { { new AmqpSymbol("p"), 1 } } });
        Assert.Equal((ushort)3, d.RemoteChannel);
        Assert.Equal(255u, d.HandleMax);
    }

    [Fact]
    public void Attach_EncodesSpecBytes()
    {
        var attach = new Attach
        {
            Name = "l",
            Handle = 0,
            Role = Role.Sender,
            Source = new Source { Address = "q" },
            Target = new Target { Address = "t" },
            InitialDeliveryCount = 0,
        };
        Assert.Equal(
            "005312C01D0A" + "A1016C" + "43" + "42" + "40" + "40" + "005328C00401A10171" + "005329C00401A10174" + "40" + "40" + "43",
            Hex.Of(Hex.Encode(attach)));
        var d = RoundTrip(attach);
        Assert.Equal("q", d.Source!.Address);
        Assert.Equal("t", d.Target!.Address);
        Assert.Equal(0u, d.InitialDeliveryCount);
        Assert.Equal(SenderSettleMode.Mixed, d.SndSettleMode);
    }

    [Fact]
    public void Attach_NullTerminus_EncodesNull()
    {
        var attach = new Attach { Name = "n", Handle = 1, Role = Role.Receiver, Source = new Source { Address = "missing" }, Target = null };
        var d = RoundTrip(attach);
        Assert.Null(d.Target);
        Assert.Equal(Role.Receiver, d.Role);
        var reply = RoundTrip(new Attach { Name = "n", Handle = 1, Role = Role.Sender, Source = null, Target = new Target() });
        Assert.Null(reply.Source);
        Assert.NotNull(reply.Target);
    }

    [Fact]
    public void Attach_SessionReceiver_AllTerminusFields_RoundTrip()
    {
        var attach = new Attach
        {
            Name = "q-receiver",
            Handle = 4,
            Role = Role.Receiver,
            SndSettleMode = SenderSettleMode.Unsettled,
            RcvSettleMode = ReceiverSettleMode.Second,
            Source = new Source
            {
                Address = "q",
                Durable = TerminusDurability.UnsettledState,
                ExpiryPolicy = new AmqpSymbol("link-detach"),
                Timeout = 30,
                Dynamic = true,
                DynamicNodeProperties = new AmqpMap { { new AmqpSymbol("lifetime-policy"), new DescribedValue(0x2Bul, new List<object?>()) } },
                DistributionMode = new AmqpSymbol("move"),
                Filter = new AmqpMap { { new AmqpSymbol("com.microsoft:session-filter"), null } },
                DefaultOutcome = new Modified { DeliveryFailed = true },
                Outcomes = ["amqp:accepted:list", "amqp:rejected:list"],
                Capabilities = ["queue"],
            },
            Target = new Target { Address = "receiver-id", Durable = TerminusDurability.Configuration, Timeout = 5, Capabilities = ["c"] },
            Unsettled = new AmqpMap { { new byte[] { 1 }, new DescribedValue(0x24ul, new List<object?>()) } },
            IncompleteUnsettled = true,
            MaxMessageSize = 262144,
            OfferedCapabilities = ["o"],
            DesiredCapabilities = ["d"],
            Properties = new AmqpMap { { new AmqpSymbol("com.microsoft:timeout"), 60000u } },
        };
        var d = RoundTrip(attach);
        Assert.Equal(SenderSettleMode.Unsettled, d.SndSettleMode);
        Assert.Equal(ReceiverSettleMode.Second, d.RcvSettleMode);
        Assert.Equal(TerminusDurability.UnsettledState, d.Source!.Durable);
        Assert.True(d.Source.Filter!.TryGetValue(new AmqpSymbol("com.microsoft:session-filter"), out var sessionId));
        Assert.Null(sessionId);
        Assert.True(Assert.IsType<Modified>(d.Source.DefaultOutcome).DeliveryFailed);
        Assert.Equal(2, d.Source.Outcomes!.Length);
        Assert.Equal(262144ul, d.MaxMessageSize);
        Assert.True(d.IncompleteUnsettled);
        Assert.Equal(60000u, d.Properties![new AmqpSymbol("com.microsoft:timeout")]);
    }

    [Fact]
    public void Attach_SingleSymbolCapability_DecodesAsArrayOfOne()
    {
        // capabilities sent as a single symbol rather than an array (AMQP 1.0 §1.3 multiple="true").
        // target list: address..dynamic-node-properties null (6 fields), then capabilities = sym8 "x".
        var target = new AmqpReader(Hex.Bytes("005329C00A07" + "404040404040" + "A30178"));
        var t = Target.Decode(ref target);
        Assert.Equal(["x"], t!.Capabilities!);
    }

    [Fact]
    public void Flow_EncodesSpecBytes()
    {
        var flow = new Flow { NextIncomingId = 1, IncomingWindow = 100, NextOutgoingId = 1, OutgoingWindow = 100, Handle = 0, DeliveryCount = 5, LinkCredit = 10, Drain = true };
        Assert.Equal("005313C01009" + "5201526452015264" + "43" + "5205" + "520A" + "40" + "41", Hex.Of(Hex.Encode(flow)));
        var d = RoundTrip(flow);
        Assert.True(d.Drain);
        Assert.False(d.Echo);
        Assert.Null(d.Available);
        Assert.Equal(10u, d.LinkCredit);
    }

    [Fact]
    public void Flow_SessionOnly_OmitsLinkFields()
    {
        var flow = new Flow { IncomingWindow = 1, NextOutgoingId = 2, OutgoingWindow = 3 };
        Assert.Equal("005313C00804" + "40" + "5201" + "5202" + "5203", Hex.Of(Hex.Encode(flow)));
        Assert.Null(RoundTrip(flow).Handle);
    }

    [Fact]
    public void Transfer_EncodesSpecBytes()
    {
        var transfer = new Transfer { Handle = 0, DeliveryId = 7, DeliveryTag = [1, 2], MessageFormat = 0, Settled = false };
        Assert.Equal("005314C00A05" + "43" + "5207" + "A0020102" + "43" + "42", Hex.Of(Hex.Encode(transfer)));
        var d = RoundTrip(new Transfer
        {
            Handle = 1,
            DeliveryId = 70000,
            DeliveryTag = new byte[16],
            MessageFormat = ServiceBusBatch.MessageFormat,
            Settled = true,
            More = true,
            RcvSettleMode = ReceiverSettleMode.Second,
            State = new Received { SectionNumber = 1, SectionOffset = 2 },
            Resume = true,
            Aborted = true,
            Batchable = true,
        });
        Assert.Equal(0x80013700u, d.MessageFormat);
        Assert.True(d.More && d.Resume && d.Aborted && d.Batchable && d.Settled == true);
        Assert.Equal(2ul, Assert.IsType<Received>(d.State).SectionOffset);
    }

    [Fact]
    public void Disposition_EncodesSpecBytes()
    {
        var disposition = new Disposition { Role = Role.Receiver, First = 3, Settled = true, State = Accepted.Instance };
        Assert.Equal("005315C00A05" + "41" + "5203" + "40" + "41" + "00532445", Hex.Of(Hex.Encode(disposition)));
        var d = RoundTrip(disposition);
        Assert.Same(Accepted.Instance, d.State);
        Assert.Null(d.Last);
    }

    [Fact]
    public void Detach_WithError_EncodesSpecBytes()
    {
        var detach = new Detach { Handle = 1, Closed = true, Error = new AmqpError("amqp:not-found", "x") };
        Assert.Equal("005316C01D03" + "5201" + "41" + "00531DC01402" + "A30E" + A("amqp:not-found") + "A10178", Hex.Of(Hex.Encode(detach)));
        var d = RoundTrip(detach);
        Assert.Equal("amqp:not-found", d.Error!.Condition.Value);
        Assert.Equal("x", d.Error.Description);
    }

    [Fact]
    public void EndAndClose_Empty_AreList0()
    {
        Assert.Equal("00531745", Hex.Of(Hex.Encode(new End())));
        Assert.Equal("00531845", Hex.Of(Hex.Encode(new Close())));
        var close = RoundTrip(new Close { Error = new AmqpError(AmqpErrorCode.FramingError, "bad") { Info = new AmqpMap { { new AmqpSymbol("k"), 1 } } } });
        Assert.Equal(1, close.Error!.Info![new AmqpSymbol("k")]);
        Assert.Equal("e", RoundTrip(new End { Error = new AmqpError("e") }).Error!.Condition.Value);
    }

    [Fact]
    public void Outcomes_EncodeSpecBytes()
    {
        Assert.Equal("00532445", Hex.Of(Hex.Encode(Accepted.Instance)));
        Assert.Equal("00532645", Hex.Of(Hex.Encode(Released.Instance)));
        Assert.Equal("00532545", Hex.Of(Hex.Encode(new Rejected())));
        Assert.Equal("005327C0030240" + "41", Hex.Of(Hex.Encode(new Modified { UndeliverableHere = true })));
        Assert.Equal("005323C0030243" + "44", Hex.Of(Hex.Encode(new Received())));
    }

    [Fact]
    public void Outcomes_RoundTripThroughDisposition()
    {
        var deadLetter = new Rejected(new AmqpError("com.microsoft:dead-letter")
        {
            Info = new AmqpMap { { new AmqpSymbol("DeadLetterReason"), "r" }, { new AmqpSymbol("DeadLetterErrorDescription"), "d" } },
        });
        var d = RoundTrip(new Disposition { Role = Role.Receiver, First = 1, Last = 5, State = deadLetter });
        var rejected = Assert.IsType<Rejected>(d.State);
        Assert.Equal("com.microsoft:dead-letter", rejected.Error!.Condition.Value);
        Assert.Equal("r", rejected.Error.Info![new AmqpSymbol("DeadLetterReason")]);
        Assert.Equal(5u, d.Last);

        var modified = Assert.IsType<Modified>(RoundTrip(new Disposition
        {
            First = 1,
            State = new Modified { DeliveryFailed = true, UndeliverableHere = true, MessageAnnotations = new AmqpMap { { new AmqpSymbol("x"), 1L } } },
        }).State);
        Assert.True(modified.DeliveryFailed && modified.UndeliverableHere);
        Assert.Equal(1L, modified.MessageAnnotations![new AmqpSymbol("x")]);
        Assert.IsType<Released>(RoundTrip(new Disposition { State = Released.Instance }).State);
    }

    [Fact]
    public void DeliveryState_UnknownDescriptor_ThrowsNotImplemented()
    {
        var ex = Assert.Throws<AmqpDecodeException>(() =>
        {
            var reader = new AmqpReader(Hex.Bytes("00533F45"));
            DeliveryState.Decode(ref reader);
        });
        Assert.Equal(AmqpErrorCode.NotImplemented, ex.Condition);
    }

    [Fact]
    public void SaslMechanisms_EncodesSpecBytes()
    {
        var mechanisms = new SaslMechanisms { Mechanisms = ["ANONYMOUS", "MSSBCBS"] };
        Assert.Equal("005340C01701" + "E01402A3" + "09" + A("ANONYMOUS") + "07" + A("MSSBCBS"), Hex.Of(Hex.Encode(mechanisms)));
        Assert.Equal(["ANONYMOUS", "MSSBCBS"], RoundTrip(mechanisms).Mechanisms);
        // A single symbol instead of an array is accepted.
        var single = Assert.IsType<SaslMechanisms>(Performative.Decode(Hex.Bytes("005340C00C01A309" + A("ANONYMOUS")), out _));
        Assert.Equal(["ANONYMOUS"], single.Mechanisms);
    }

    [Fact]
    public void SaslInit_EncodesSpecBytes()
    {
        var init = new SaslInit { Mechanism = "ANONYMOUS", InitialResponse = [0, (byte)'k', (byte)'e', (byte)'y'], Hostname = "localhost" };
        Assert.Equal("005341C01D03" + "A309" + A("ANONYMOUS") + "A00400" + A("key") + "A109" + A("localhost"), Hex.Of(Hex.Encode(init)));
        var d = RoundTrip(init);
        Assert.Equal("localhost", d.Hostname);
        Assert.Equal(4, d.InitialResponse!.Length);
    }

    [Fact]
    public void SaslChallengeResponseOutcome_RoundTrip()
    {
        Assert.Equal([1, 2], RoundTrip(new SaslChallenge { Challenge = [1, 2] }).Challenge);
        Assert.Equal([3], RoundTrip(new SaslResponse { Response = [3] }).Response);
        Assert.Equal("005344C0030150" + "00", Hex.Of(Hex.Encode(new SaslOutcome())));
        var outcome = RoundTrip(new SaslOutcome { Code = SaslCode.Auth, AdditionalData = [9] });
        Assert.Equal(SaslCode.Auth, outcome.Code);
        Assert.Equal([9], outcome.AdditionalData!);
    }

    [Theory]
    [InlineData("005310C00101")] // count 1 with no bytes
    [InlineData("005310C0020143")] // container-id of the wrong type
    [InlineData("005312C0030243")] // attach: name wrong type
    [InlineData("005399C00100")] // unknown descriptor
    [InlineData("A10178")] // not described
    public void Decode_Malformed_ThrowsDecodeException(string hex) =>
        Assert.Throws<AmqpDecodeException>(() => Performative.Decode(Hex.Bytes(hex), out _));
}
