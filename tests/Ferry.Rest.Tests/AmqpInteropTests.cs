using System.Net;
using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using static Ferry.Rest.Tests.RestServer;

namespace Ferry.Rest.Tests;

/// <summary>A message sent over REST is the same message over AMQP, and the other way round.</summary>
public class AmqpInteropTests : IClassFixture<RestServer>
{
    private readonly RestServer _server;

    public AmqpInteropTests(RestServer server) => _server = server;

    [Fact]
    public async Task SentOverRest_ReceivedOverAmqp_WithTheSameProperties()
    {
        var queue = await _server.CreateQueueAsync();
        await Expect(await _server.SendAsync(queue.Name, """{"order":7}""",
            """{"MessageId":"r-1","CorrelationId":"c-9","SessionId":"s-1","Label":"order","To":"shop","ReplyTo":"replies","TimeToLive":120}""",
            "application/json", [("Tenant", "\"acme\""), ("Attempt", "2"), ("Urgent", "true")]), HttpStatusCode.Created);

        var connection = await Connection.Factory.CreateAsync(_server.AmqpAddress);
        try
        {
            var session = new Session(connection);
            var receiver = new ReceiverLink(session, "rest-interop-receiver", queue.Name);
            var message = await receiver.ReceiveAsync(WaitLimit);
            Assert.NotNull(message);
            Assert.Equal("r-1", message.Properties.MessageId);
            Assert.Equal("c-9", message.Properties.CorrelationId);
            Assert.Equal("s-1", message.Properties.GroupId);
            Assert.Equal("order", message.Properties.Subject);
            Assert.Equal("shop", message.Properties.To);
            Assert.Equal("replies", message.Properties.ReplyTo);
            Assert.Equal("application/json", (string)message.Properties.ContentType);
            Assert.Equal(120_000u, message.Header.Ttl);
            Assert.True(message.Header.Durable);
            Assert.Equal(0u, message.Header.DeliveryCount);
            Assert.Equal("acme", message.ApplicationProperties["Tenant"]);
            Assert.Equal(2, Assert.IsType<int>(message.ApplicationProperties["Attempt"]));
            Assert.Equal(true, message.ApplicationProperties["Urgent"]);
            Assert.Equal("""{"order":7}""", Encoding.UTF8.GetString(Assert.IsType<byte[]>(message.Body)));
            Assert.True((long)message.MessageAnnotations[new Symbol("x-opt-sequence-number")] > 0);
            receiver.Accept(message);
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    [Fact]
    public async Task SentOverAmqp_ReceivedOverRest_WithTheSameProperties()
    {
        var queue = await _server.CreateQueueAsync();
        var connection = await Connection.Factory.CreateAsync(_server.AmqpAddress);
        try
        {
            var session = new Session(connection);
            var sender = new SenderLink(session, "rest-interop-sender", queue.Name);
            var message = new Message
            {
                BodySection = new Data { Binary = Encoding.UTF8.GetBytes("from amqp") },
                Header = new Header { Durable = true, Ttl = 90_000 },
                Properties = new Properties
                {
                    MessageId = "a-1",
                    CorrelationId = "c-2",
                    Subject = "lite",
                    To = "dest",
                    ReplyTo = "back",
                    ContentType = "text/plain",
                },
                ApplicationProperties = new ApplicationProperties(),
            };
            message.ApplicationProperties["Region"] = "eu";
            message.ApplicationProperties["Weight"] = 12L;
            message.ApplicationProperties["Checked"] = false;
            await sender.SendAsync(message);
        }
        finally
        {
            await connection.CloseAsync();
        }

        using var received = await _server.PeekLockAsync(queue.Name);
        await Expect(received, HttpStatusCode.Created);
        Assert.Equal("from amqp", await received.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", received.Content.Headers.ContentType!.ToString());
        var properties = BrokerProperties(received);
        Assert.Equal("a-1", (string?)properties["MessageId"]);
        Assert.Equal("c-2", (string?)properties["CorrelationId"]);
        Assert.Equal("lite", (string?)properties["Label"]);
        Assert.Equal("dest", (string?)properties["To"]);
        Assert.Equal("back", (string?)properties["ReplyTo"]);
        Assert.Equal(90, (double)properties["TimeToLive"]!);
        Assert.Equal(1, (int)properties["DeliveryCount"]!);
        Assert.Equal("\"eu\"", Header(received, "Region"));
        Assert.Equal("12", Header(received, "Weight"));
        Assert.Equal("false", Header(received, "Checked"));
        // A lock taken over REST of a message sent over AMQP settles by message id too.
        await Expect(await _server.Http.DeleteAsync($"/{queue.Name}/messages/a-1/{(string)properties["LockToken"]!}"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task AmqpValueBody_IsGivenAsText()
    {
        var queue = await _server.CreateQueueAsync();
        var connection = await Connection.Factory.CreateAsync(_server.AmqpAddress);
        try
        {
            var sender = new SenderLink(new Session(connection), "rest-value-sender", queue.Name);
            await sender.SendAsync(new Message("a string value") { Properties = new Properties { MessageId = "v-1" } });
        }
        finally
        {
            await connection.CloseAsync();
        }
        using var received = await _server.ReceiveAndDeleteAsync(queue.Name);
        await Expect(received, HttpStatusCode.OK);
        Assert.Equal("a string value", await received.Content.ReadAsStringAsync());
        Assert.StartsWith("text/plain", received.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
    }
}
