using System.Net;
using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Http.Tests;

public class MessageEndpointTests : IClassFixture<AdminServer>
{
    private readonly AdminServer _server;

    public MessageEndpointTests(AdminServer server) => _server = server;

    private const string TestMessageJson = """
        {
          "body": {"assessmentId": 42, "kind": "score"},
          "messageId": "m-1",
          "correlationId": "c-1",
          "subject": "score",
          "to": "scoring",
          "replyTo": "replies",
          "timeToLive": "PT1H",
          "applicationProperties": {"tenant": "acme", "attempt": 2, "ratio": 0.5, "urgent": true}
        }
        """;

    [Fact]
    public async Task SendTestMessage_ThenBrowse_ShowsBodyAndProperties()
    {
        var queue = await _server.CreateQueueAsync();
        var sent = await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", TestMessageJson, HttpStatusCode.Created);
        Assert.Equal("m-1", (string?)sent["messageId"]);
        var sequenceNumber = (long)sent["sequenceNumber"]!;
        Assert.True(sequenceNumber > 0);

        var page = await _server.GetJsonAsync($"/api/queues/{queue.Name}/messages");
        var message = page["messages"]!.AsArray().Single()!;
        Assert.Equal(sequenceNumber, (long)message["sequenceNumber"]!);
        Assert.Equal("m-1", (string?)message["messageId"]);
        Assert.Equal("Active", (string?)message["state"]);
        Assert.Equal(0, (int)message["deliveryCount"]!);
        Assert.NotNull(message["expiresAt"]);
        var system = message["systemProperties"]!;
        Assert.Equal("c-1", (string?)system["correlationId"]);
        Assert.Equal("score", (string?)system["subject"]);
        Assert.Equal("application/json", (string?)system["contentType"]);
        Assert.Equal("scoring", (string?)system["to"]);
        Assert.Equal("replies", (string?)system["replyTo"]);
        Assert.Equal("PT1H", (string?)system["timeToLive"]);
        var application = message["applicationProperties"]!;
        Assert.Equal("acme", (string?)application["tenant"]);
        Assert.Equal(2, (long)application["attempt"]!);
        Assert.Equal(0.5, (double)application["ratio"]!);
        Assert.True((bool)application["urgent"]!);
        var body = message["body"]!;
        Assert.Equal("data", (string?)body["type"]);
        Assert.Equal("text", (string?)body["encoding"]);
        Assert.Equal("{\"assessmentId\": 42, \"kind\": \"score\"}", (string?)body["content"]);
        Assert.Equal(42, (int)body["json"]!["assessmentId"]!);
        Assert.False((bool)body["truncated"]!);
        Assert.Null(page["next"]);
    }

    [Fact]
    public async Task SendTestMessage_IsValidAmqpThatAnotherClientReceives()
    {
        var queue = await _server.CreateQueueAsync();
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", TestMessageJson, HttpStatusCode.Created);

        var stored = queue.Peek(SubQueue.Main, 0, 1).Single();
        var bytes = stored.Body.ToArray();
        var decoded = Message.Decode(new ByteBuffer(bytes, 0, bytes.Length, bytes.Length));
        Assert.Equal("m-1", decoded.Properties.MessageId);
        Assert.True(decoded.Header.Durable);
        Assert.Equal(3_600_000u, decoded.Header.Ttl);

        var connection = await Connection.Factory.CreateAsync(_server.AmqpAddress);
        try
        {
            var session = new Session(connection);
            var receiver = new ReceiverLink(session, "http-test-receiver", queue.Name);
            var received = await receiver.ReceiveAsync(AdminServer.Timeout);
            Assert.NotNull(received);
            Assert.Equal("m-1", received.Properties.MessageId);
            Assert.Equal("c-1", received.Properties.CorrelationId);
            Assert.Equal("score", received.Properties.Subject);
            Assert.Equal("application/json", (string)received.Properties.ContentType);
            Assert.Equal("scoring", received.Properties.To);
            Assert.Equal("replies", received.Properties.ReplyTo);
            Assert.Equal("acme", received.ApplicationProperties["tenant"]);
            Assert.Equal(2L, received.ApplicationProperties["attempt"]);
            Assert.Equal(true, received.ApplicationProperties["urgent"]);
            var body = Assert.IsType<byte[]>(received.Body);
            Assert.Equal("{\"assessmentId\": 42, \"kind\": \"score\"}", Encoding.UTF8.GetString(body));
            receiver.Accept(received);
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    [Fact]
    public async Task SendTestMessage_StringBody_IsJsonTextUnlessContentTypeIsText()
    {
        var queue = await _server.CreateQueueAsync();
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":\"hello\"}", HttpStatusCode.Created);
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":\"hello\",\"contentType\":\"text/plain\",\"sessionId\":\"s-1\"}", HttpStatusCode.Created);

        var messages = (await _server.GetJsonAsync($"/api/queues/{queue.Name}/messages"))["messages"]!.AsArray();
        Assert.Equal("\"hello\"", (string?)messages[0]!["body"]!["content"]);
        Assert.Equal("hello", (string?)messages[0]!["body"]!["json"]);
        Assert.Equal("hello", (string?)messages[1]!["body"]!["content"]);
        Assert.Equal("text/plain", (string?)messages[1]!["systemProperties"]!["contentType"]);
        Assert.Equal("s-1", (string?)messages[1]!["sessionId"]);
        Assert.Equal("s-1", (string?)messages[1]!["systemProperties"]!["sessionId"]);
    }

    [Theory]
    [InlineData("{\"body\":1,\"colour\":\"red\"}", "colour")]
    [InlineData("{\"body\":1,\"timeToLive\":\"forever\"}", "timeToLive")]
    [InlineData("{\"body\":1,\"timeToLive\":\"P60D\"}", "timeToLive")]
    [InlineData("{\"body\":1,\"applicationProperties\":{\"nested\":{\"a\":1}}}", "applicationProperties.nested")]
    [InlineData("{\"body\":1,\"scheduledEnqueueTime\":\"tomorrow\"}", "scheduledEnqueueTime")]
    [InlineData("{\"body\":1,\"messageId\":5}", "messageId")]
    [InlineData("\"just a string\"", "body")]
    [InlineData("", "body")]
    public async Task SendTestMessage_BadInput_Is400NamingTheField(string json, string property)
    {
        var queue = await _server.CreateQueueAsync();
        var problem = await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", json, HttpStatusCode.BadRequest);
        Assert.Equal(property, (string?)problem["property"]);
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
    }

    [Fact]
    public async Task SendTestMessage_DueMoreThan49DaysAhead_IsStored()
    {
        // Timers hold at most ~49.7 days; later due times (schedule, TTL) must not fail the send.
        var queue = await _server.CreateQueueAsync(new QueueSettings { DefaultMessageTimeToLive = TimeSpan.FromDays(60) });
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":1}", HttpStatusCode.Created);
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":2,\"scheduledEnqueueTime\":\"2099-01-01T00:00:00Z\"}", HttpStatusCode.Created);
        var runtime = queue.GetRuntimeProperties();
        Assert.Equal(1, runtime.ActiveMessageCount);
        Assert.Equal(1, runtime.ScheduledMessageCount);
    }

    [Fact]
    public async Task SendTestMessage_SessionQueueWithoutSessionId_Is400()
    {
        var queue = await _server.CreateQueueAsync(new QueueSettings { RequiresSession = true });
        var problem = await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":1}", HttpStatusCode.BadRequest);
        Assert.Equal("sessionId", (string?)problem["property"]);
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":1,\"sessionId\":\"s\"}", HttpStatusCode.Created);
    }

    [Fact]
    public async Task SendTestMessage_DisabledQueue_Is409()
    {
        var queue = await _server.CreateQueueAsync(new QueueSettings { Status = EntityStatus.SendDisabled });
        var problem = await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":1}", HttpStatusCode.Conflict);
        Assert.Equal(queue.Name, (string?)problem["entity"]);
    }

    [Fact]
    public async Task Browse_BodiesOfEveryKind_AreShownSafely()
    {
        var queue = await _server.CreateQueueAsync();
        var connection = await Connection.Factory.CreateAsync(_server.AmqpAddress);
        try
        {
            var session = new Session(connection);
            var sender = new SenderLink(session, "kinds", queue.Name);
            var map = new Map { ["city"] = "Oslo", ["count"] = 3, ["when"] = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc) };
            await sender.SendAsync(new Message(map) { Properties = new Properties { MessageId = "value" } });
            await sender.SendAsync(new Message { BodySection = new AmqpSequence { List = new List<object> { 1, "two" } }, Properties = new Properties { MessageId = "sequence" } });
            await sender.SendAsync(new Message { BodySection = new Data { Binary = [0, 1, 2, 255] }, Properties = new Properties { MessageId = "binary" } });
            await sender.SendAsync(new Message { BodySection = new Data { Binary = Encoding.UTF8.GetBytes(new string('x', 100)) }, Properties = new Properties { MessageId = "long", ContentType = "text/plain" } });
            await sender.CloseAsync();
        }
        finally
        {
            await connection.CloseAsync();
        }

        var messages = (await _server.GetJsonAsync($"/api/queues/{queue.Name}/messages?bodyLimit=10"))["messages"]!.AsArray();
        var value = messages[0]!["body"]!;
        Assert.Equal("value", (string?)value["type"]);
        Assert.Equal("Oslo", (string?)value["value"]!["city"]);
        Assert.Equal(3, (int)value["value"]!["count"]!);
        Assert.Equal("2030-01-02T03:04:05.0000000+00:00", (string?)value["value"]!["when"]);
        var sequence = messages[1]!["body"]!;
        Assert.Equal("sequence", (string?)sequence["type"]);
        Assert.Equal(1, (int)sequence["value"]![0]![0]!);
        Assert.Equal("two", (string?)sequence["value"]![0]![1]);
        var binary = messages[2]!["body"]!;
        Assert.Equal("base64", (string?)binary["encoding"]);
        Assert.Equal(Convert.ToBase64String(new byte[] { 0, 1, 2, 255 }), (string?)binary["content"]);
        var truncated = messages[3]!["body"]!;
        Assert.Equal("text", (string?)truncated["encoding"]);
        Assert.Equal("xxxxxxxxxx", (string?)truncated["content"]);
        Assert.True((bool)truncated["truncated"]!);
        Assert.Equal(100, (int)truncated["size"]!);
    }

    [Fact]
    public async Task Browse_Pages_FollowNextCursor()
    {
        var queue = await _server.CreateQueueAsync();
        for (var i = 0; i < 5; i++)
            await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", $"{{\"body\":{i}}}", HttpStatusCode.Created);

        var seen = new List<long>();
        string? path = $"/api/queues/{queue.Name}/messages?count=2";
        var pages = 0;
        while (path is not null)
        {
            var page = await _server.GetJsonAsync(path);
            pages++;
            seen.AddRange(page["messages"]!.AsArray().Select(m => (long)m!["sequenceNumber"]!));
            path = page["next"] is { } next ? $"/api/queues/{queue.Name}/messages?count=2&from={(long)next}" : null;
        }
        Assert.Equal(5, seen.Count);
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(3, pages);
    }

    [Theory]
    [InlineData("count=0", "count")]
    [InlineData("count=1001", "count")]
    [InlineData("from=-1", "from")]
    [InlineData("from=abc", "from")]
    [InlineData("bodyLimit=0", "bodyLimit")]
    public async Task Browse_BadQuery_Is400NamingTheParameter(string query, string parameter)
    {
        var queue = await _server.CreateQueueAsync();
        var problem = await _server.GetJsonAsync($"/api/queues/{queue.Name}/messages?{query}", HttpStatusCode.BadRequest);
        Assert.Equal(parameter, (string?)problem["property"]);
        Assert.NotNull(problem["allowed"]);
    }

    [Fact]
    public async Task BrowseDeadLetter_ShowsReasonAndSource()
    {
        var queue = await _server.CreateQueueAsync();
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":\"bad\"}", HttpStatusCode.Created);
        await BrokerMoves.DeadLetterAsync(queue, 1, "ParseError", "line 3");

        Assert.Empty((await _server.GetJsonAsync($"/api/queues/{queue.Name}/messages"))["messages"]!.AsArray());
        var message = (await _server.GetJsonAsync($"/api/queues/{queue.Name}/deadletter/messages"))["messages"]!.AsArray().Single()!;
        Assert.Equal("ParseError", (string?)message["applicationProperties"]!["DeadLetterReason"]);
        Assert.Equal("line 3", (string?)message["applicationProperties"]!["DeadLetterErrorDescription"]);
        Assert.Equal(queue.Name, (string?)message["deadLetterSource"]);
        Assert.Equal(1, (int)message["deliveryCount"]!);
        Assert.Equal("\"bad\"", (string?)message["body"]!["content"]);
    }

    [Fact]
    public async Task Purge_RemovesActiveScheduledAndLockedMessages()
    {
        var queue = await _server.CreateQueueAsync();
        for (var i = 0; i < 3; i++)
            await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", $"{{\"body\":{i}}}", HttpStatusCode.Created);
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":9,\"scheduledEnqueueTime\":\"2099-01-01T00:00:00Z\"}", HttpStatusCode.Created);
        var (receiver, locked) = BrokerMoves.Lock(queue, 1);

        var purged = await _server.DeleteJsonAsync($"/api/queues/{queue.Name}/messages");

        Assert.Equal(4, (int)purged["purged"]!);
        Assert.Equal("main", (string?)purged["subQueue"]);
        var runtime = queue.GetRuntimeProperties();
        Assert.Equal(0, runtime.TotalMessageCount);
        Assert.Equal(0, runtime.SizeInBytes);
        Assert.Empty((await _server.GetJsonAsync($"/api/queues/{queue.Name}/messages"))["messages"]!.AsArray());
        await Assert.ThrowsAsync<BrokerException>(() => queue.CompleteAsync(locked.Single().LockToken));
        receiver.Dispose();
    }

    [Fact]
    public async Task PurgeDeadLetter_EmptiesOnlyTheDeadLetterQueue()
    {
        var queue = await _server.CreateQueueAsync();
        for (var i = 0; i < 3; i++)
            await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", $"{{\"body\":{i}}}", HttpStatusCode.Created);
        await BrokerMoves.DeadLetterAsync(queue, 2);

        var purged = await _server.DeleteJsonAsync($"/api/queues/{queue.Name}/deadletter/messages");

        Assert.Equal(2, (int)purged["purged"]!);
        var status = await _server.GetJsonAsync($"/api/queues/{queue.Name}/status");
        Assert.Equal(0, (long)status["dead_letter_messages"]!);
        Assert.Equal(1, (long)status["active_messages"]!);
    }

    [Fact]
    public async Task Replay_Selected_MovesMessageBackWithBodyAndRecordsReason()
    {
        var queue = await _server.CreateQueueAsync();
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", TestMessageJson, HttpStatusCode.Created);
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":\"other\"}", HttpStatusCode.Created);
        var dead = await BrokerMoves.DeadLetterAsync(queue, 2, "ScoringFailed", "model timeout");
        var chosen = dead[0].SequenceNumber;

        var result = await _server.PostJsonAsync($"/api/queues/{queue.Name}/deadletter/replay",
            $"{{\"sequenceNumbers\":[{chosen}, 999999]}}", HttpStatusCode.OK);

        Assert.Equal(1, (int)result["replayed"]!);
        Assert.Equal(1, (int)result["notFound"]!);
        Assert.Equal(999999, (long)result["notFoundSequenceNumbers"]![0]!);
        Assert.Equal(chosen, (long)result["messages"]![0]!["deadLetterSequenceNumber"]!);
        var newSequence = (long)result["messages"]![0]!["sequenceNumber"]!;
        Assert.True(newSequence > chosen);

        var status = await _server.GetJsonAsync($"/api/queues/{queue.Name}/status");
        Assert.Equal(1, (long)status["active_messages"]!);
        Assert.Equal(1, (long)status["dead_letter_messages"]!);
        var replayed = (await _server.GetJsonAsync($"/api/queues/{queue.Name}/messages"))["messages"]!.AsArray().Single()!;
        Assert.Equal(newSequence, (long)replayed["sequenceNumber"]!);
        Assert.Equal("m-1", (string?)replayed["messageId"]);
        Assert.Equal(0, (int)replayed["deliveryCount"]!);
        Assert.Equal(42, (int)replayed["body"]!["json"]!["assessmentId"]!);
        var application = replayed["applicationProperties"]!;
        Assert.Equal("acme", (string?)application["tenant"]);
        Assert.Equal(chosen, (long)application["x-ferry-replayed-from"]!);
        Assert.Equal("ScoringFailed", (string?)application["x-ferry-deadletter-reason"]);
        Assert.Equal("model timeout", (string?)application["x-ferry-deadletter-description"]);
        Assert.Null(application["DeadLetterReason"]);
        Assert.Equal("c-1", (string?)replayed["systemProperties"]!["correlationId"]);

        var left = (await _server.GetJsonAsync($"/api/queues/{queue.Name}/deadletter/messages"))["messages"]!.AsArray().Single()!;
        Assert.Equal(dead[1].SequenceNumber, (long)left["sequenceNumber"]!);
    }

    [Fact]
    public async Task Replay_All_MovesEveryDeadLetterBack()
    {
        var queue = await _server.CreateQueueAsync();
        for (var i = 0; i < 150; i++)
            await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", $"{{\"body\":{i}}}", HttpStatusCode.Created);
        await BrokerMoves.DeadLetterAsync(queue, 150);
        Assert.Equal(150, queue.GetRuntimeProperties().DeadLetterMessageCount);

        var result = await _server.PostJsonAsync($"/api/queues/{queue.Name}/deadletter/replay", "{\"all\":true}", HttpStatusCode.OK);

        Assert.Equal(150, (int)result["replayed"]!);
        Assert.Equal(0, (int)result["failed"]!);
        var runtime = queue.GetRuntimeProperties();
        Assert.Equal(0, runtime.DeadLetterMessageCount);
        Assert.Equal(150, runtime.ActiveMessageCount);
        var bodies = new List<string?>();
        string? path = $"/api/queues/{queue.Name}/messages?count=100";
        while (path is not null)
        {
            var page = await _server.GetJsonAsync(path);
            bodies.AddRange(page["messages"]!.AsArray().Select(m => (string?)m!["body"]!["content"]));
            path = page["next"] is { } next ? $"/api/queues/{queue.Name}/messages?count=100&from={(long)next}" : null;
        }
        Assert.Equal(Enumerable.Range(0, 150).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), bodies);
    }

    [Fact]
    public async Task Replay_DroppedAsDuplicate_StaysInDeadLetterQueue()
    {
        var queue = await _server.CreateQueueAsync(new QueueSettings { RequiresDuplicateDetection = true });
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":1,\"messageId\":\"same\"}", HttpStatusCode.Created);
        await BrokerMoves.DeadLetterAsync(queue, 1);

        var result = await _server.PostJsonAsync($"/api/queues/{queue.Name}/deadletter/replay", "{\"all\":true}", HttpStatusCode.OK);

        Assert.Equal(0, (int)result["replayed"]!);
        Assert.Equal(1, (int)result["failed"]!);
        Assert.Contains("duplicate detection", (string?)result["failures"]![0]!["detail"]);
        Assert.Equal(1, queue.GetRuntimeProperties().DeadLetterMessageCount);
    }

    [Theory]
    [InlineData("{}", "sequenceNumbers")]
    [InlineData("{\"all\":true,\"sequenceNumbers\":[1]}", "all")]
    [InlineData("{\"sequenceNumbers\":[]}", "sequenceNumbers")]
    [InlineData("{\"sequenceNumbers\":[0]}", "sequenceNumbers")]
    [InlineData("{\"sequenceNumbers\":\"1\"}", "sequenceNumbers")]
    [InlineData("{\"all\":\"yes\"}", "all")]
    [InlineData("{\"everything\":true}", "everything")]
    public async Task Replay_BadInput_Is400(string json, string property)
    {
        var queue = await _server.CreateQueueAsync();
        var problem = await _server.PostJsonAsync($"/api/queues/{queue.Name}/deadletter/replay", json, HttpStatusCode.BadRequest);
        Assert.Equal(property, (string?)problem["property"]);
    }
}
