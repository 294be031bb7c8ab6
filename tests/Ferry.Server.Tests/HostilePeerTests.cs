using System.Buffers.Binary;
using Ferry.Amqp;

namespace Ferry.Server.Tests;

/// <summary>
/// Peers that break the protocol on a raw socket. Each case ends with the right AMQP error (or a closed socket where
/// the protocol allows nothing else), the server logs no error for it, and a normal client on the same server then
/// sends and receives.
/// </summary>
public sealed class HostilePeerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private async Task AssertCleanEndAsync(RawAmqpClient client)
    {
        await fixture.Logs.ConnectionEndedAsync(client.LocalPort);
        Assert.Empty(fixture.Logs.Errors);
        await fixture.AssertServerServesAsync();
    }

    private static async Task<AmqpError> ExpectCloseWithErrorAsync(RawAmqpClient client)
    {
        var frames = await client.ReadUntilClosedAsync();
        var close = Assert.IsType<Close>(Assert.Single(frames, f => f.Performative is Close).Performative);
        Assert.NotNull(close.Error);
        return close.Error;
    }

    [Fact]
    public async Task ProtocolHeader_UnsupportedVersion_AnsweredWithServerHeaderThenClosed()
    {
        var client = await RawAmqpClient.ConnectAsync(fixture.Port);
        await client.SendAsync(RawAmqpClient.Header(new ProtocolHeader(0, 2, 0, 0)));
        var answer = await client.ReadHeaderAsync();
        Assert.Equal((byte)1, answer.Major);
        Assert.Contains(answer, new[] { ProtocolHeader.Sasl, ProtocolHeader.Amqp });
        Assert.Empty(await client.ReadUntilClosedAsync());
        await AssertCleanEndAsync(client);
    }

    [Fact]
    public async Task ProtocolHeader_NotAmqpAtAll_AnsweredWithServerHeaderThenClosed()
    {
        var client = await RawAmqpClient.ConnectAsync(fixture.Port);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var answer = await client.ReadHeaderAsync();
        Assert.Equal(ProtocolHeader.Sasl, answer);
        Assert.Empty(await client.ReadUntilClosedAsync());
        await AssertCleanEndAsync(client);
    }

    [Fact]
    public async Task Frame_SizeAboveMaxFrameSize_ClosedWithFramingError()
    {
        var (client, open) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        // Only the 8-byte header of a frame that claims 16 MB: the server must refuse from the header alone.
        var header = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, 16 * 1024 * 1024);
        header[4] = 2;
        await client.SendAsync(header);
        var error = await ExpectCloseWithErrorAsync(client);
        Assert.Equal(AmqpErrorCode.FramingError, error.Condition.Value);
        Assert.Contains(open.MaxFrameSize.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Description);
        await AssertCleanEndAsync(client);
    }

    [Fact]
    public async Task Transfer_LargerThanMaxFrameSize_ClosedWithFramingError()
    {
        var queue = await fixture.CreateQueueAsync();
        var (client, open) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        await client.AttachSenderAsync(0, 0, queue.Name);
        await client.ExpectAsync<Flow>();
        // A transfer frame whose header says it is one byte over the server's max-frame-size.
        var transfer = new Transfer { Handle = 0, DeliveryId = 0, DeliveryTag = [1], MessageFormat = 0, Settled = false };
        var frame = RawAmqpClient.Frame(FrameType.Amqp, 0, transfer, new byte[64]);
        BinaryPrimitives.WriteUInt32BigEndian(frame, open.MaxFrameSize + 1);
        // Only the start of it: the size in the header is enough to refuse it, and the server reads all that was sent.
        await client.SendAsync(frame);
        var error = await ExpectCloseWithErrorAsync(client);
        Assert.Equal(AmqpErrorCode.FramingError, error.Condition.Value);
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
        await AssertCleanEndAsync(client);
    }

    [Fact]
    public async Task Transfer_WithoutLinkCredit_DetachedWithTransferLimitExceeded()
    {
        var queue = await fixture.CreateQueueAsync();
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        await client.AttachSenderAsync(0, 0, queue.Name);
        var flow = await client.ExpectAsync<Flow>();
        var credit = flow.LinkCredit!.Value;
        // Aborted deliveries use up credit (§2.6.14) and bring none back, so this spends all of it.
        for (uint id = 0; id < credit; id++)
            await client.SendFrameAsync(0, new Transfer { Handle = 0, DeliveryId = id, DeliveryTag = BitConverter.GetBytes(id), MessageFormat = 0, Aborted = true });
        await client.SendFrameAsync(0, new Transfer { Handle = 0, DeliveryId = credit, DeliveryTag = [9], MessageFormat = 0, Settled = true },
            [0x00, 0x53, 0x77, 0xA1, 0x01, 0x78]);
        var detach = await client.ExpectAsync<Detach>();
        Assert.Equal(0u, detach.Handle);
        Assert.True(detach.Closed);
        Assert.Equal(AmqpErrorCode.TransferLimitExceeded, detach.Error?.Condition.Value);
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
        // A link-level error: the session and the connection carry on.
        await client.AttachSenderAsync(0, 1, queue.Name);
        await client.DisposeAsync();
        await fixture.AssertServerServesAsync();
    }

    [Fact]
    public async Task Disposition_UnknownDeliveryIds_AnsweredLockLostAndConnectionStaysUp()
    {
        var queue = await fixture.CreateQueueAsync();
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        await client.AttachReceiverAsync(0, 0, queue.Name);
        await client.SendFrameAsync(0, new Disposition { Role = Role.Receiver, First = 1000, Last = 1001, Settled = false, State = new Accepted() });
        var replies = new[] { await client.ExpectAsync<Disposition>(), await client.ExpectAsync<Disposition>() };
        Assert.Equal([1000u, 1001u], replies.Select(r => r.First));
        foreach (var reply in replies)
        {
            Assert.True(reply.Settled);
            Assert.Equal("com.microsoft:message-lock-lost", Assert.IsType<Rejected>(reply.State).Error?.Condition.Value);
        }
        // Still up: an echo flow is answered on the same connection.
        await client.FlowAsync(0, 0, deliveryCount: 0, credit: 0, echo: true);
        Assert.Equal(0u, (await client.ExpectAsync<Flow>()).Handle);
        await client.DisposeAsync();
        await fixture.AssertServerServesAsync();
    }

    [Fact]
    public async Task Frame_TruncatedThenSocketClosed_ServerCleansUpQuietly()
    {
        var queue = await fixture.CreateQueueAsync();
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        await client.AttachReceiverAsync(0, 0, queue.Name);
        await client.FlowAsync(0, 0, deliveryCount: 0, credit: 100);
        var attach = RawAmqpClient.Frame(FrameType.Amqp, 0, new Attach { Name = "cut", Handle = 1, Role = Role.Sender, Target = new Target { Address = queue.Name } });
        await client.SendAsync(attach.AsMemory(0, attach.Length / 2));
        var port = client.LocalPort;
        client.Abort();
        await fixture.Logs.ConnectionEndedAsync(port);
        Assert.Empty(fixture.Logs.Errors);
        await fixture.AssertServerServesAsync();
        // The dead connection's receiver (100 credit) is gone: a message sent now is not locked for it but goes to the
        // next receiver at once, on its first delivery.
        await queue.SendAsync([new Ferry.Broker.IncomingMessage { Body = new byte[] { 0x00, 0x53, 0x77, 0xA1, 0x01, 0x78 }, MessageId = "after" }]);
        var connection = await fixture.ConnectAsync();
        var receiver = new global::Amqp.ReceiverLink(new global::Amqp.Session(connection), "next", queue.Name);
        var message = await receiver.ReceiveAsync(ServerFixture.Timeout);
        Assert.NotNull(message);
        Assert.Equal("x", message.Body);
        Assert.Equal(0u, message.Header.DeliveryCount);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Garbage_AfterValidOpen_ClosedWithDecodeError()
    {
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        // A well-framed frame whose body is not a described performative.
        byte[] garbage = [0, 0, 0, 16, 2, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 0xFF, 0xFF, 0xFF, 0xFF];
        await client.SendAsync(garbage);
        var error = await ExpectCloseWithErrorAsync(client);
        Assert.Equal(AmqpErrorCode.DecodeError, error.Condition.Value);
        await AssertCleanEndAsync(client);
    }

    [Fact]
    public async Task SaslPlain_WrongKey_OutcomeAuthThenClosed()
    {
        var client = await RawAmqpClient.ConnectAsync(fixture.Port);
        await client.SaslPlainAsync(key: "wrong", expected: SaslCode.Auth);
        Assert.Empty(await client.ReadUntilClosedAsync());
        await AssertCleanEndAsync(client);
    }
}
