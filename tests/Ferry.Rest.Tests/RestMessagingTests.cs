using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Ferry.Broker;
using static Ferry.Rest.Tests.RestServer;

namespace Ferry.Rest.Tests;

public class RestMessagingTests : IClassFixture<RestServer>
{
    private readonly RestServer _server;

    public RestMessagingTests(RestServer server) => _server = server;

    private const string FullBrokerProperties = """
        {"MessageId":"m-1","CorrelationId":"c-1","Label":"greeting","To":"someone","ReplyTo":"replies","ReplyToSessionId":"rs-1","TimeToLive":3600,"ForcePersistence":true}
        """;

    [Fact]
    public async Task SendSingle_ThenReceiveAndDelete_GivesBodyPropertiesAndCustomHeaders()
    {
        var queue = await _server.CreateQueueAsync();
        var sent = await _server.SendAsync(queue.Name, "hello there", FullBrokerProperties, "text/plain; charset=utf-8",
            [("Priority", "\"High\""), ("Customer", "12345"), ("Ratio", "0.5"), ("Urgent", "true"), ("Bare", "plain words")]);
        await Expect(sent, HttpStatusCode.Created);

        using var received = await _server.ReceiveAndDeleteAsync(queue.Name);
        await Expect(received, HttpStatusCode.OK);
        Assert.Equal("hello there", await received.Content.ReadAsStringAsync());
        Assert.Equal("text/plain; charset=utf-8", received.Content.Headers.ContentType!.ToString());
        var properties = BrokerProperties(received);
        Assert.Equal("m-1", (string?)properties["MessageId"]);
        Assert.Equal("c-1", (string?)properties["CorrelationId"]);
        Assert.Equal("greeting", (string?)properties["Label"]);
        Assert.Equal("someone", (string?)properties["To"]);
        Assert.Equal("replies", (string?)properties["ReplyTo"]);
        Assert.Equal("rs-1", (string?)properties["ReplyToSessionId"]);
        Assert.Equal(3600, (double)properties["TimeToLive"]!);
        Assert.Equal(1, (int)properties["DeliveryCount"]!);
        Assert.True((long)properties["SequenceNumber"]! > 0);
        Assert.Equal("Active", (string?)properties["State"]);
        Assert.Null(properties["LockToken"]);
        Assert.True(DateTimeOffset.TryParse((string?)properties["EnqueuedTimeUtc"], out _));
        Assert.Equal("\"High\"", Header(received, "Priority"));
        Assert.Equal("12345", Header(received, "Customer"));
        Assert.Equal("0.5", Header(received, "Ratio"));
        Assert.Equal("true", Header(received, "Urgent"));
        Assert.Equal("\"plain words\"", Header(received, "Bare"));

        // Received and deleted: nothing left.
        await Expect(await _server.ReceiveAndDeleteAsync(queue.Name, timeout: 0), HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task SendBatch_ThenReceive_InOrderWithTheirProperties()
    {
        var queue = await _server.CreateQueueAsync();
        const string Batch = """
            [
              {"Body":"first","BrokerProperties":{"MessageId":"b-1","Label":"one"},"UserProperties":{"Priority":"High","Count":1}},
              {"Body":"second","BrokerProperties":{"MessageId":"b-2","TimeToLive":10}},
              {"Body":{"structured":true},"UserProperties":{"Flag":false}}
            ]
            """;
        var content = new StringContent(Batch, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.microsoft.servicebus.json");
        await Expect(await _server.Http.PostAsync($"/{queue.Name}/messages", content), HttpStatusCode.Created);
        Assert.Equal(3, queue.GetRuntimeProperties().ActiveMessageCount);

        using var first = await _server.ReceiveAndDeleteAsync(queue.Name);
        await Expect(first, HttpStatusCode.OK);
        Assert.Equal("first", await first.Content.ReadAsStringAsync());
        Assert.Equal("b-1", (string?)BrokerProperties(first)["MessageId"]);
        Assert.Equal("one", (string?)BrokerProperties(first)["Label"]);
        Assert.Equal("\"High\"", Header(first, "Priority"));
        Assert.Equal("1", Header(first, "Count"));

        using var second = await _server.ReceiveAndDeleteAsync(queue.Name);
        Assert.Equal("second", await second.Content.ReadAsStringAsync());
        Assert.Equal("b-2", (string?)BrokerProperties(second)["MessageId"]);
        Assert.Equal(10, (double)BrokerProperties(second)["TimeToLive"]!);

        using var third = await _server.ReceiveAndDeleteAsync(queue.Name);
        Assert.Equal("{\"structured\":true}", await third.Content.ReadAsStringAsync());
        Assert.Equal("false", Header(third, "Flag"));
        Assert.Equal(32, ((string?)BrokerProperties(third)["MessageId"])!.Length);
    }

    [Fact]
    public async Task PeekLock_ThenComplete_RemovesTheMessage()
    {
        var queue = await _server.CreateQueueAsync();
        await Expect(await _server.SendAsync(queue.Name, "work", """{"MessageId":"w-1"}"""), HttpStatusCode.Created);

        using var locked = await _server.PeekLockAsync(queue.Name);
        await Expect(locked, HttpStatusCode.Created);
        Assert.Equal("work", await locked.Content.ReadAsStringAsync());
        var properties = BrokerProperties(locked);
        var lockToken = Guid.Parse((string)properties["LockToken"]!);
        var sequenceNumber = (long)properties["SequenceNumber"]!;
        Assert.Equal(1, (int)properties["DeliveryCount"]!);
        Assert.Equal("w-1", (string?)properties["MessageId"]);
        var lockedUntil = DateTimeOffset.Parse((string)properties["LockedUntilUtc"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(lockedUntil > DateTimeOffset.UtcNow.AddSeconds(30));
        var location = locked.Headers.Location!;
        Assert.True(location.IsAbsoluteUri);
        Assert.Equal($"/{queue.Name}/messages/{sequenceNumber}/{lockToken}", location.AbsolutePath);

        // Locked: nobody else gets it.
        await Expect(await _server.PeekLockAsync(queue.Name, timeout: 0), HttpStatusCode.NoContent);

        await Expect(await _server.Http.DeleteAsync(location), HttpStatusCode.OK);
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
        // Completed already: the lock is gone.
        await Expect(await _server.Http.DeleteAsync(location), HttpStatusCode.Gone);
    }

    [Fact]
    public async Task PeekLock_ThenUnlock_RedeliversWithTheNextDeliveryCount()
    {
        var queue = await _server.CreateQueueAsync();
        await Expect(await _server.SendAsync(queue.Name, "again", """{"MessageId":"u-1"}"""), HttpStatusCode.Created);

        using var first = await _server.PeekLockAsync(queue.Name);
        await Expect(first, HttpStatusCode.Created);
        var token = (string)BrokerProperties(first)["LockToken"]!;
        // Unlock by message id, the other form Service Bus accepts.
        await Expect(await _server.Http.PutAsync($"/{queue.Name}/messages/u-1/{token}", null), HttpStatusCode.OK);

        using var second = await _server.PeekLockAsync(queue.Name);
        await Expect(second, HttpStatusCode.Created);
        Assert.Equal("again", await second.Content.ReadAsStringAsync());
        var properties = BrokerProperties(second);
        Assert.Equal(2, (int)properties["DeliveryCount"]!);
        Assert.NotEqual(token, (string)properties["LockToken"]!);
        await Expect(await _server.Http.DeleteAsync(second.Headers.Location), HttpStatusCode.OK);
    }

    [Fact]
    public async Task RenewLock_ExtendsTheLock()
    {
        var queue = await _server.CreateQueueAsync(new QueueSettings { LockDuration = TimeSpan.FromSeconds(30) });
        await Expect(await _server.SendAsync(queue.Name, "long job"), HttpStatusCode.Created);
        using var locked = await _server.PeekLockAsync(queue.Name);
        await Expect(locked, HttpStatusCode.Created);
        var until = DateTimeOffset.Parse((string)BrokerProperties(locked)["LockedUntilUtc"]!, System.Globalization.CultureInfo.InvariantCulture);

        _server.Clock.Advance(TimeSpan.FromSeconds(20));
        using var renewed = await _server.Http.PostAsync(locked.Headers.Location, null);
        await Expect(renewed, HttpStatusCode.OK);
        var renewedUntil = DateTimeOffset.Parse((string)BrokerProperties(renewed)["LockedUntilUtc"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(renewedUntil >= until.AddSeconds(19), $"{renewedUntil:O} should be about 20 s after {until:O}");

        // 20 s more: past the first expiry, within the renewed one.
        _server.Clock.Advance(TimeSpan.FromSeconds(20));
        await Expect(await _server.Http.DeleteAsync(locked.Headers.Location), HttpStatusCode.OK);
    }

    [Fact]
    public async Task ExpiredOrUnknownLock_IsGone_AndAWrongMessageReferenceIsNotFound()
    {
        var queue = await _server.CreateQueueAsync(new QueueSettings { LockDuration = TimeSpan.FromSeconds(5) });
        await Expect(await _server.SendAsync(queue.Name, "x", """{"MessageId":"e-1"}"""), HttpStatusCode.Created);
        using var locked = await _server.PeekLockAsync(queue.Name);
        await Expect(locked, HttpStatusCode.Created);
        var token = (string)BrokerProperties(locked)["LockToken"]!;

        // The lock is held, but not by message 'other' nor by sequence number 999999.
        await Expect(await _server.Http.DeleteAsync($"/{queue.Name}/messages/other/{token}"), HttpStatusCode.NotFound);
        await Expect(await _server.Http.DeleteAsync($"/{queue.Name}/messages/999999/{token}"), HttpStatusCode.NotFound);

        using var unknown = await _server.Http.DeleteAsync($"/{queue.Name}/messages/1/{Guid.NewGuid()}");
        await Expect(unknown, HttpStatusCode.Gone);
        Assert.Contains("<Detail>", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        _server.Clock.Advance(TimeSpan.FromSeconds(6));
        await Expect(await _server.Http.DeleteAsync(locked.Headers.Location), HttpStatusCode.Gone);
        await Expect(await _server.Http.PostAsync(locked.Headers.Location, null), HttpStatusCode.Gone);
        await Expect(await _server.Http.PutAsync(locked.Headers.Location, null), HttpStatusCode.Gone);
    }

    [Fact]
    public async Task LongPoll_ReturnsWhenAMessageArrivesDuringTheWait()
    {
        var queue = await _server.CreateQueueAsync();
        const int Seconds = 37; // a due time nothing else in the server uses
        var waiting = _server.Clock.TimerCreated(TimeSpan.FromSeconds(Seconds));
        var poll = _server.Http.DeleteAsync($"/{queue.Name}/messages/head?timeout={Seconds}");

        await waiting.WaitAsync(WaitLimit);
        Assert.False(poll.IsCompleted);
        await Expect(await _server.SendAsync(queue.Name, "arrived later"), HttpStatusCode.Created);

        using var received = await poll.WaitAsync(WaitLimit);
        await Expect(received, HttpStatusCode.OK);
        Assert.Equal("arrived later", await received.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PeekLockLongPoll_ReturnsWhenAMessageArrivesDuringTheWait()
    {
        var queue = await _server.CreateQueueAsync();
        const int Seconds = 41;
        var waiting = _server.Clock.TimerCreated(TimeSpan.FromSeconds(Seconds));
        var poll = _server.Http.PostAsync($"/{queue.Name}/messages/head?timeout={Seconds}", null);

        await waiting.WaitAsync(WaitLimit);
        await Expect(await _server.SendAsync(queue.Name, "locked later"), HttpStatusCode.Created);

        using var received = await poll.WaitAsync(WaitLimit);
        await Expect(received, HttpStatusCode.Created);
        Assert.Equal("locked later", await received.Content.ReadAsStringAsync());
        await Expect(await _server.Http.DeleteAsync(received.Headers.Location), HttpStatusCode.OK);
    }

    [Fact]
    public async Task LongPoll_TimesOutWithNoContent()
    {
        var queue = await _server.CreateQueueAsync();
        var started = DateTimeOffset.UtcNow;
        using var polled = await _server.ReceiveAndDeleteAsync(queue.Name, timeout: 1);
        await Expect(polled, HttpStatusCode.NoContent);
        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromMilliseconds(900));
        await Expect(await _server.PeekLockAsync(queue.Name, timeout: 0), HttpStatusCode.NoContent);
        // The poll's receiver is gone: a message sent now stays in the queue.
        await Expect(await _server.SendAsync(queue.Name, "kept"), HttpStatusCode.Created);
        Assert.Equal(1, queue.GetRuntimeProperties().ActiveMessageCount);
    }

    [Fact]
    public async Task MissingEntity_IsNotFoundWithDetail()
    {
        using var send = await _server.SendAsync("no-such-queue", "x");
        await Expect(send, HttpStatusCode.NotFound);
        var text = await send.Content.ReadAsStringAsync();
        Assert.Contains("<Code>404</Code>", text, StringComparison.Ordinal);
        Assert.Contains("no-such-queue", text, StringComparison.Ordinal);
        await Expect(await _server.ReceiveAndDeleteAsync("no-such-queue", 0), HttpStatusCode.NotFound);
        await Expect(await _server.PeekLockAsync("no-such-queue", 0), HttpStatusCode.NotFound);
        await Expect(await _server.Http.DeleteAsync($"/no-such-queue/messages/1/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("{not json", "BrokerProperties")]
    [InlineData("[1,2]", "BrokerProperties must be a JSON object")]
    [InlineData("""{"TimeToLive":"soon"}""", "TimeToLive")]
    [InlineData("""{"TimeToLive":0}""", "TimeToLive")]
    [InlineData("""{"MessageId":42}""", "MessageId")]
    [InlineData("""{"ScheduledEnqueueTimeUtc":"next tuesday"}""", "ScheduledEnqueueTimeUtc")]
    public async Task BadBrokerProperties_IsBadRequestNamingTheProblem(string brokerProperties, string named)
    {
        var queue = await _server.CreateQueueAsync();
        using var response = await _server.SendAsync(queue.Name, "x", brokerProperties);
        await Expect(response, HttpStatusCode.BadRequest);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
    }

    [Fact]
    public async Task BadBatch_IsBadRequest_AndNothingIsSent()
    {
        var queue = await _server.CreateQueueAsync();
        var content = new StringContent("""[{"Body":"ok"},{"Body":"bad","BrokerProperties":{"TimeToLive":"x"}}]""", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.microsoft.servicebus.json");
        using var response = await _server.Http.PostAsync($"/{queue.Name}/messages", content);
        await Expect(response, HttpStatusCode.BadRequest);
        Assert.Contains("[1].BrokerProperties.TimeToLive", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
    }

    [Fact]
    public async Task ScheduledMessage_IsNotReceivableUntilItsTime()
    {
        var queue = await _server.CreateQueueAsync();
        var at = DateTimeOffset.UtcNow.AddHours(1).ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        await Expect(await _server.SendAsync(queue.Name, "later", $$"""{"ScheduledEnqueueTimeUtc":"{{at}}"}"""), HttpStatusCode.Created);
        var counts = queue.GetRuntimeProperties();
        Assert.Equal(1, counts.ScheduledMessageCount);
        Assert.Equal(0, counts.ActiveMessageCount);
    }

    [Fact]
    public async Task Topic_SendThenReceiveFromSubscription()
    {
        var topic = UniqueName();
        await _server.Server.Broker.CreateTopicAsync(topic, new TopicSettings());
        await _server.Server.Broker.CreateSubscriptionAsync(topic, "audit", new QueueSettings());
        await Expect(await _server.SendAsync(topic, "to all", """{"Label":"broadcast"}"""), HttpStatusCode.Created);

        using var received = await _server.PeekLockAsync($"{topic}/Subscriptions/audit");
        await Expect(received, HttpStatusCode.Created);
        Assert.Equal("to all", await received.Content.ReadAsStringAsync());
        Assert.Equal("broadcast", (string?)BrokerProperties(received)["Label"]);
        Assert.StartsWith($"/{topic}/Subscriptions/audit/messages/", received.Headers.Location!.AbsolutePath, StringComparison.Ordinal);
        await Expect(await _server.Http.DeleteAsync(received.Headers.Location), HttpStatusCode.OK);

        // Receiving from the topic itself is a mistake the answer explains.
        using var fromTopic = await _server.PeekLockAsync(topic, 0);
        await Expect(fromTopic, HttpStatusCode.BadRequest);
        Assert.Contains("Subscriptions", await fromTopic.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Topic_RuleActionRemovesAndSetsSystemProperties_RestReceiverSeesTheChangedCopy()
    {
        var topic = UniqueName();
        await _server.Server.Broker.CreateTopicAsync(topic, new TopicSettings());
        await _server.Server.Broker.CreateSubscriptionAsync(topic, "acted", new QueueSettings(),
            [Ferry.Broker.Filters.Rule.Create("act", "1 = 1", "REMOVE Secret; SET sys.Label = 'relabelled'; SET sys.CorrelationId = 'c-2'",
                _server.Clock.GetUtcNow())]);
        await Expect(await _server.SendAsync(topic, "changed", """{"Label":"original","CorrelationId":"c-1"}""",
            headers: [("Secret", "\"s3\""), ("Keep", "1")]), HttpStatusCode.Created);

        using var received = await _server.ReceiveAndDeleteAsync($"{topic}/Subscriptions/acted");

        await Expect(received, HttpStatusCode.OK);
        var properties = BrokerProperties(received);
        Assert.Equal("relabelled", (string?)properties["Label"]);
        Assert.Equal("c-2", (string?)properties["CorrelationId"]);
        Assert.False(received.Headers.Contains("Secret"));
        Assert.Equal("1", Header(received, "Keep"));
        Assert.Equal("\"act\"", Header(received, "RuleName"));
    }

    [Fact]
    public async Task ApiVersionQuery_StillReachesTheMessagingApi()
    {
        var queue = await _server.CreateQueueAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/{queue.Name}/messages?api-version=2017-04&timeout=60")
        {
            Content = new StringContent("<order id=\"1\"/>", Encoding.UTF8, "application/xml"),
        };
        await Expect(await _server.Http.SendAsync(request), HttpStatusCode.Created);
        using var received = await _server.Http.DeleteAsync($"/{queue.Name}/messages/head?timeout=5&api-version=2017-04");
        await Expect(received, HttpStatusCode.OK);
        Assert.Equal("<order id=\"1\"/>", await received.Content.ReadAsStringAsync());
        Assert.StartsWith("application/xml", received.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApiRoutesOfTheSameShape_StayTheAdminApis()
    {
        var queue = await _server.CreateQueueAsync();
        using var response = await _server.Http.PostAsync($"/api/queues/{queue.Name}/messages",
            new StringContent("""{"body":"via admin","messageId":"adm-1"}""", Encoding.UTF8, "application/json"));
        await Expect(response, HttpStatusCode.Created);
        Assert.Equal("adm-1", (string?)Parse(await response.Content.ReadAsStringAsync())["messageId"]);
        using var received = await _server.ReceiveAndDeleteAsync(queue.Name);
        Assert.Equal("adm-1", (string?)BrokerProperties(received)["MessageId"]);
    }

    [Fact]
    public async Task DeadLetterQueue_IsReceivable()
    {
        var queue = await _server.CreateQueueAsync(new QueueSettings { MaxDeliveryCount = 1 });
        await Expect(await _server.SendAsync(queue.Name, "poison"), HttpStatusCode.Created);
        using (var locked = await _server.PeekLockAsync(queue.Name))
            await Expect(await _server.Http.PutAsync(locked.Headers.Location, null), HttpStatusCode.OK);
        // The abandon passed MaxDeliveryCount: the next receive moves it to the dead-letter queue.
        await Expect(await _server.PeekLockAsync(queue.Name, 0), HttpStatusCode.NoContent);

        using var dead = await _server.ReceiveAndDeleteAsync($"{queue.Name}/$DeadLetterQueue");
        await Expect(dead, HttpStatusCode.OK);
        Assert.Equal("poison", await dead.Content.ReadAsStringAsync());
        Assert.Equal("\"MaxDeliveryCountExceeded\"", Header(dead, "DeadLetterReason"));
    }

    internal static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}
