using Amqp;
using Amqp.Framing;
using Amqp.Sasl;
using Amqp.Types;
using Ferry.Broker;

namespace Ferry.Server.Tests;

/// <summary>AMQPNetLite against the real server: framing, many sessions and links, authorization, $cbs and $management.</summary>
public sealed class LiteConnectionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Timeout = ServerFixture.Timeout;

    private Address AnonymousAddress => new("127.0.0.1", fixture.Port, null, null, "/", "amqp");

    private static Task<Connection> ConnectAnonymousAsync(Address address)
    {
        var factory = new ConnectionFactory();
        factory.SASL.Profile = SaslProfile.Anonymous;
        return factory.CreateAsync(address);
    }

    [Fact]
    public async Task LargeMessage_ClientMaxFrameSize4096_SentAndReceivedInManyFrames()
    {
        var queue = await fixture.CreateQueueAsync(new QueueSettings { MaxMessageSizeInKilobytes = 1024 });
        var factory = new ConnectionFactory();
        factory.AMQP.MaxFrameSize = 4096;
        var connection = await factory.CreateAsync(fixture.Address);
        var body = new byte[200 * 1024];
        new Random(42).NextBytes(body);
        var session = new Session(connection);
        var sender = new SenderLink(session, "big-sender", queue.Name);
        // The frame size is negotiated down to the client's 4096, so both directions split the message into ~50 frames.
        await sender.SendAsync(new Message { BodySection = new Data { Binary = body } });
        var receiver = new ReceiverLink(session, "big-receiver", queue.Name);
        var message = await receiver.ReceiveAsync(Timeout);
        Assert.NotNull(message);
        Assert.Equal(body, LiteHelpers.Bytes(message));
        receiver.Accept(message);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task LargeMessages_OneMegabyteEach_InTwoHundredFiftySixKilobyteFrames_RoundTripByteExact()
    {
        var queue = await fixture.CreateQueueAsync(new QueueSettings { MaxMessageSizeInKilobytes = 2048 });
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var sender = new SenderLink(session, "mb-sender", queue.Name);
        var bodies = new List<byte[]>();
        for (int i = 0; i < 3; i++)
        {
            // Sizes around the 256 KB frame: the assembler sizes each from its first frame, whatever the last one holds.
            var body = new byte[1024 * 1024 + (i * 100_003)];
            new Random(i).NextBytes(body);
            bodies.Add(body);
            var message = new Message { BodySection = new Data { Binary = body }, ApplicationProperties = new ApplicationProperties() };
            message.ApplicationProperties["index"] = i;
            if (i != 1)
                message.Properties = new Properties { MessageId = $"mb-{i}" }; // the middle one gets an id from Ferry
            await sender.SendAsync(message);
        }
        var receiver = new ReceiverLink(session, "mb-receiver", queue.Name);
        for (int i = 0; i < bodies.Count; i++)
        {
            var message = await receiver.ReceiveAsync(Timeout);
            Assert.NotNull(message);
            Assert.Equal(i, message.ApplicationProperties["index"]);
            Assert.False(string.IsNullOrEmpty(message.Properties.MessageId));
            Assert.Equal(bodies[i], LiteHelpers.Bytes(message));
            receiver.Accept(message);
        }
        await connection.CloseAsync();
    }

    [Fact]
    public async Task ConnectedLinks_AttachThenDetach_CountedOnTheEntity()
    {
        var queue = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var sender = new SenderLink(session, "count-sender", queue.Name);
        await sender.SendAsync(new Message("counted")); // the accepted outcome comes after the attach was processed
        var receiver = new ReceiverLink(session, "count-receiver", queue.Name);
        var message = await receiver.ReceiveAsync(Timeout);
        Assert.NotNull(message);
        receiver.Accept(message);

        Assert.Equal(1, queue.SenderCount);
        Assert.Equal(1, queue.ReceiverCount);

        // The server releases a link before it answers the detach, so the counts are down when CloseAsync returns.
        await sender.CloseAsync();
        await receiver.CloseAsync();
        Assert.Equal(0, queue.SenderCount);
        Assert.Equal(0, queue.ReceiverCount);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task ManySessions_FiftySessionsWithTwoLinksEach_AllCarryMessages()
    {
        const int Sessions = 50;
        var queues = new List<QueueEntity>();
        for (var i = 0; i < Sessions; i++)
            queues.Add(await fixture.CreateQueueAsync());
        var connection = await fixture.ConnectAsync();
        var links = new List<(SenderLink Sender, ReceiverLink Receiver)>();
        for (var i = 0; i < Sessions; i++)
        {
            var session = new Session(connection);
            links.Add((new SenderLink(session, $"s{i}", queues[i].Name), new ReceiverLink(session, $"r{i}", queues[i].Name)));
        }
        await Task.WhenAll(links.Select((l, i) => l.Sender.SendAsync(new Message($"to session {i}"))));
        var received = await Task.WhenAll(links.Select(l => l.Receiver.ReceiveAsync(Timeout)));
        for (var i = 0; i < Sessions; i++)
        {
            Assert.NotNull(received[i]);
            Assert.Equal($"to session {i}", received[i].Body);
            links[i].Receiver.Accept(received[i]);
        }
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Attach_MissingEntity_RefusedWithNotFound()
    {
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var receiver = new ReceiverLink(session, "nowhere", "no-such-queue");
        var error = await LiteHelpers.ClosedAsync(receiver);
        Assert.NotNull(error);
        Assert.Equal("amqp:not-found", error.Condition.ToString());
        Assert.Contains("The messaging entity 'sb://localhost/no-such-queue' could not be found.", error.Description);
        // The refusal is a link-level matter: the connection serves the next request.
        var queue = await fixture.CreateQueueAsync();
        await new SenderLink(session, "somewhere", queue.Name).SendAsync(new Message("ok"));
        Assert.Equal(1, queue.GetRuntimeProperties().ActiveMessageCount);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task SaslPlain_WrongKey_ConnectionRefused()
    {
        var address = new Address($"amqp://{ServerFixture.KeyName}:not-the-key@127.0.0.1:{fixture.Port}");
        var error = await Assert.ThrowsAsync<AmqpException>(() => Connection.Factory.CreateAsync(address));
        Assert.Equal("amqp:unauthorized-access", error.Error.Condition.ToString());
    }

    [Fact]
    public async Task Anonymous_NoCbsToken_AttachRefusedUnauthorized()
    {
        var queue = await fixture.CreateQueueAsync();
        var connection = await ConnectAnonymousAsync(AnonymousAddress);
        var session = new Session(connection);
        var sender = new SenderLink(session, "no-token", queue.Name);
        var error = await LiteHelpers.ClosedAsync(sender);
        Assert.NotNull(error);
        Assert.Equal("amqp:unauthorized-access", error.Condition.ToString());
        Assert.Contains($"sb://localhost/{queue.Name}", error.Description);
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Cbs_PutTokenSignedWithKey_Accepted202AndAttachAllowed()
    {
        var queue = await fixture.CreateQueueAsync();
        var connection = await ConnectAnonymousAsync(AnonymousAddress);
        var session = new Session(connection);
        var audience = $"sb://localhost/{queue.Name}";
        var cbs = new LiteNodeClient(session, "$cbs");
        var response = await cbs.RequestAsync("put-token", LiteHelpers.SasToken(audience, DateTimeOffset.UtcNow.AddHours(1)), p =>
        {
            p["type"] = "servicebus.windows.net:sastoken";
            p["name"] = audience;
        });
        Assert.Equal(202, response.ApplicationProperties["status-code"]);
        Assert.IsType<string>(response.ApplicationProperties["status-description"]);

        var sender = new SenderLink(session, "with-token", queue.Name);
        await sender.SendAsync(new Message("authorized"));
        var receiver = new ReceiverLink(session, "with-token-receiver", queue.Name);
        var message = await receiver.ReceiveAsync(Timeout);
        Assert.NotNull(message);
        Assert.Equal("authorized", message.Body);
        receiver.Accept(message);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Cbs_PutTokenWithWrongKey_Rejected401AndAttachStillRefused()
    {
        var queue = await fixture.CreateQueueAsync();
        var connection = await ConnectAnonymousAsync(AnonymousAddress);
        var session = new Session(connection);
        var audience = $"sb://localhost/{queue.Name}";
        var response = await new LiteNodeClient(session, "$cbs").RequestAsync("put-token",
            LiteHelpers.SasToken(audience, DateTimeOffset.UtcNow.AddHours(1), key: "wrong-key"), p =>
            {
                p["type"] = "servicebus.windows.net:sastoken";
                p["name"] = audience;
            });
        Assert.Equal(401, response.ApplicationProperties["status-code"]);
        Assert.Equal(new Symbol("amqp:unauthorized-access"), response.ApplicationProperties["error-condition"]);
        var sender = new SenderLink(session, "bad-token", queue.Name);
        var error = await LiteHelpers.ClosedAsync(sender);
        Assert.Equal("amqp:unauthorized-access", error?.Condition.ToString());
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Management_PeekMessage_Returns200WithMessagesInOrder()
    {
        var queue = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var sender = new SenderLink(session, "sender", queue.Name);
        for (var i = 0; i < 3; i++)
            await sender.SendAsync(new Message($"peek {i}"));
        var management = new LiteNodeClient(session, queue.Name + "/$management");
        var response = await management.RequestAsync("com.microsoft:peek-message", new Map { ["from-sequence-number"] = 1L, ["message-count"] = 2 });
        Assert.Equal(200, response.ApplicationProperties["statusCode"]);
        Assert.IsType<string>(response.ApplicationProperties["statusDescription"]);
        Assert.False(response.ApplicationProperties.Map.ContainsKey("status-code"));
        var (_, messages) = await management.PeekAsync(1, 2);
        Assert.Equal(["peek 0", "peek 1"], messages.Select(m => (string)m.Body));
        Assert.Equal([1L, 2L], messages.Select(m => (long)m.MessageAnnotations[new Symbol("x-opt-sequence-number")]));
        var (_, rest) = await management.PeekAsync(3, 10);
        Assert.Equal("peek 2", Assert.Single(rest).Body);
        // Peeking locks nothing: all three are still there for a receiver.
        Assert.Equal(3, queue.GetRuntimeProperties().ActiveMessageCount);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Management_PeekEmptyQueue_Returns204()
    {
        var queue = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var response = await new LiteNodeClient(session, queue.Name + "/$management")
            .RequestAsync("com.microsoft:peek-message", new Map { ["from-sequence-number"] = 1L, ["message-count"] = 10 });
        Assert.Equal(204, response.ApplicationProperties["statusCode"]);
        Assert.IsType<string>(response.ApplicationProperties["statusDescription"]);
        await connection.CloseAsync();
    }
}
