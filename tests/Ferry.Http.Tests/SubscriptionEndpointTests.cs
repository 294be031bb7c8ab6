using System.Net;
using Ferry.Broker;
using Ferry.Broker.Filters;

namespace Ferry.Http.Tests;

/// <summary>The admin API's status, browse, purge and replay on subscriptions, and test messages to topics.</summary>
public class SubscriptionEndpointTests : IClassFixture<AdminServer>
{
    private readonly AdminServer _server;

    public SubscriptionEndpointTests(AdminServer server) => _server = server;

    private async Task<(string Topic, QueueEntity All, QueueEntity Red)> TopicAsync(string test)
    {
        var topic = AdminServer.UniqueName(test);
        var broker = _server.Server.Broker;
        await broker.CreateTopicAsync(topic, new TopicSettings());
        var all = await broker.CreateSubscriptionAsync(topic, "all", new QueueSettings());
        var red = await broker.CreateSubscriptionAsync(topic, "red", new QueueSettings(), [Rule.Create("red", new SqlFilter("color = 'red'"), null, DateTimeOffset.UtcNow)]);
        return (topic, all, red);
    }

    [Fact]
    public async Task TopicTestMessage_FansOutByRules_AndSubscriptionStatusCountsIt()
    {
        var (topic, _, _) = await TopicAsync(nameof(TopicTestMessage_FansOutByRules_AndSubscriptionStatusCountsIt));

        var sent = await _server.PostJsonAsync($"/api/topics/{topic}/messages",
            "{\"body\":\"paint\",\"messageId\":\"m-1\",\"applicationProperties\":{\"color\":\"blue\"}}", HttpStatusCode.Created);
        Assert.Equal("m-1", (string?)sent["messageId"]);

        var all = await _server.GetJsonAsync($"/api/topics/{topic}/subscriptions/all/status");
        Assert.Equal(1, (long)all["active_messages"]!);
        var red = await _server.GetJsonAsync($"/api/topics/{topic}/subscriptions/red/status");
        Assert.Equal(0, (long)red["active_messages"]!);
    }

    [Fact]
    public async Task SubscriptionMessages_BrowseDeadLetterReplayAndPurge()
    {
        var (topic, all, _) = await TopicAsync(nameof(SubscriptionMessages_BrowseDeadLetterReplayAndPurge));
        for (var i = 0; i < 3; i++)
            await _server.PostJsonAsync($"/api/topics/{topic}/messages", $"{{\"body\":{i}}}", HttpStatusCode.Created);
        var path = $"/api/topics/{topic}/subscriptions/all";

        var page = await _server.GetJsonAsync($"{path}/messages?count=2");
        Assert.Equal(all.Name, (string?)page["queue"]);
        Assert.Equal(2, page["messages"]!.AsArray().Count);
        Assert.NotNull(page["next"]);

        var dead = await BrokerMoves.DeadLetterAsync(all, 2);
        var dlq = await _server.GetJsonAsync($"{path}/deadletter/messages");
        Assert.Equal(2, dlq["messages"]!.AsArray().Count);
        Assert.Equal("deadletter", (string?)dlq["subQueue"]);

        var replay = await _server.PostJsonAsync($"{path}/deadletter/replay",
            $"{{\"sequenceNumbers\":[{dead[0].SequenceNumber}]}}", HttpStatusCode.OK);
        Assert.Equal(1, (int)replay["replayed"]!);
        var status = await _server.GetJsonAsync($"{path}/status");
        Assert.Equal(2, (long)status["active_messages"]!);
        Assert.Equal(1, (long)status["dead_letter_messages"]!);

        var purged = await _server.DeleteJsonAsync($"{path}/deadletter/messages");
        Assert.Equal(1, (int)purged["purged"]!);
        purged = await _server.DeleteJsonAsync($"{path}/messages");
        Assert.Equal(2, (int)purged["purged"]!);
        Assert.Equal(0, all.GetRuntimeProperties().ActiveMessageCount);
    }

    [Fact]
    public async Task MissingSubscriptionOrTopic_Is404NamingIt()
    {
        var (topic, _, _) = await TopicAsync(nameof(MissingSubscriptionOrTopic_Is404NamingIt));

        var problem = await AdminServer.JsonAsync(await _server.Http.GetAsync($"/api/topics/{topic}/subscriptions/nope/messages"), HttpStatusCode.NotFound);
        Assert.Contains("nope", (string?)problem["detail"], StringComparison.Ordinal);
        await AdminServer.JsonAsync(await _server.Http.GetAsync($"/api/topics/no-such-topic/subscriptions/all/status"), HttpStatusCode.NotFound);
        await AdminServer.JsonAsync(await _server.Http.PostAsync("/api/topics/no-such-topic/messages",
            new StringContent("{\"body\":1}", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.NotFound);
    }
}
