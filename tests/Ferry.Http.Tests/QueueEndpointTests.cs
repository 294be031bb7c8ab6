using System.Net;
using Ferry.Broker;

namespace Ferry.Http.Tests;

public class QueueEndpointTests : IClassFixture<AdminServer>
{
    private readonly AdminServer _server;

    public QueueEndpointTests(AdminServer server) => _server = server;

    [Fact]
    public async Task Create_WithConfigJsonProperties_CreatesQueueWithThoseSettings()
    {
        var name = AdminServer.UniqueName();
        var response = await _server.Http.PostAsync("/api/queues", AdminServer.Json(new
        {
            name,
            properties = new { LockDuration = "PT30S", MaxDeliveryCount = 3, DefaultMessageTimeToLive = "PT1H", DeadLetteringOnMessageExpiration = true, Status = "Active" },
        }));
        var created = await AdminServer.JsonAsync(response, HttpStatusCode.Created);

        Assert.Equal($"/api/queues/{name}", response.Headers.Location?.OriginalString);
        Assert.Equal(name, (string?)created["name"]);
        Assert.Equal("PT30S", (string?)created["properties"]!["LockDuration"]);
        Assert.Equal(30.0, (double)created["durationsInSeconds"]!["LockDuration"]!);
        Assert.Equal(3600.0, (double)created["durationsInSeconds"]!["DefaultMessageTimeToLive"]!);
        Assert.Equal("Api", (string?)created["origin"]);
        var settings = _server.Server.Broker.GetQueue(name).Settings;
        Assert.Equal(TimeSpan.FromSeconds(30), settings.LockDuration);
        Assert.Equal(3, settings.MaxDeliveryCount);
        Assert.True(settings.DeadLetteringOnMessageExpiration);
    }

    [Fact]
    public async Task Create_LockDurationOverFiveMinutes_Is400NamingPropertyAndRange()
    {
        var name = AdminServer.UniqueName();
        var problem = await _server.PostJsonAsync("/api/queues",
            AdminServer.Serialize(new { name, properties = new { LockDuration = "PT6M" } }), HttpStatusCode.BadRequest);

        Assert.Equal("LockDuration", (string?)problem["property"]);
        Assert.Equal("PT5S to PT5M", (string?)problem["allowed"]);
        Assert.Contains("out of range", (string?)problem["detail"]);
        Assert.Equal(400, (int)problem["status"]!);
        Assert.False(_server.Server.Broker.TryGetQueue(name, out _));
    }

    [Theory]
    [InlineData("{\"name\":\"ok-name\",\"properties\":{\"MaxDeliveryCount\":0}}", "MaxDeliveryCount")]
    [InlineData("{\"name\":\"ok-name\",\"properties\":{\"MaxDeliveryCount\":\"ten\"}}", "MaxDeliveryCount")]
    [InlineData("{\"name\":\"ok-name\",\"properties\":{\"LockDuration\":\"soon\"}}", "LockDuration")]
    [InlineData("{\"name\":\"ok-name\",\"properties\":{\"Colour\":\"blue\"}}", "Colour")]
    [InlineData("{\"name\":\"ok-name\",\"properties\":{\"Status\":\"Paused\"}}", "Status")]
    [InlineData("{\"name\":\"ok-name\",\"properties\":{\"MaxSizeInMegabytes\":-1}}", "MaxSizeInMegabytes")]
    [InlineData("{\"name\":\"bad name!\"}", "name")]
    [InlineData("{\"properties\":{}}", "name")]
    [InlineData("{\"name\":\"ok-name\",\"extra\":1}", "extra")]
    [InlineData("{\"name\":", "body")]
    [InlineData("[1,2]", "body")]
    public async Task Create_BadInput_Is400NamingTheProperty(string json, string property)
    {
        var response = await _server.Http.PostAsync("/api/queues", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var problem = await AdminServer.JsonAsync(response, HttpStatusCode.BadRequest);

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(property, (string?)problem["property"]);
        Assert.False(string.IsNullOrEmpty((string?)problem["detail"]));
        Assert.DoesNotContain(" at Ferry.", await response.Content.ReadAsStringAsync());
        Assert.False(_server.Server.Broker.TryGetQueue("ok-name", out _));
    }

    [Fact]
    public async Task Create_ExistingName_Is409()
    {
        var queue = await _server.CreateQueueAsync();
        var problem = await _server.PostJsonAsync("/api/queues", AdminServer.Serialize(new { name = queue.Name.ToUpperInvariant() }), HttpStatusCode.Conflict);
        Assert.Contains("already exists", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Get_UnknownQueue_Is404NamingIt()
    {
        foreach (var path in new[] { "/api/queues/no-such-queue", "/api/queues/no-such-queue/status", "/api/queues/no-such-queue/messages",
                     "/api/queues/no-such-queue/deadletter/messages" })
        {
            var problem = await _server.GetJsonAsync(path, HttpStatusCode.NotFound);
            Assert.Equal("no-such-queue", (string?)problem["entity"]);
            Assert.Contains("no-such-queue", (string?)problem["detail"]);
        }
        var deleted = await AdminServer.JsonAsync(await _server.Http.DeleteAsync("/api/queues/no-such-queue"), HttpStatusCode.NotFound);
        Assert.Equal("no-such-queue", (string?)deleted["entity"]);
    }

    [Fact]
    public async Task Update_GivenProperties_ChangeAndOthersStay()
    {
        var queue = await _server.CreateQueueAsync(new QueueSettings { MaxDeliveryCount = 7, LockDuration = TimeSpan.FromSeconds(20) });
        var updated = await _server.PutJsonAsync($"/api/queues/{queue.Name}",
            "{\"properties\":{\"LockDuration\":45,\"UserMetadata\":\"owned by scoring\"}}", HttpStatusCode.OK);

        Assert.Equal("PT45S", (string?)updated["properties"]!["LockDuration"]);
        Assert.Equal(7, (int)updated["properties"]!["MaxDeliveryCount"]!);
        Assert.Equal(TimeSpan.FromSeconds(45), queue.Settings.LockDuration);
        Assert.Equal("owned by scoring", queue.Settings.UserMetadata);
        Assert.Equal(7, queue.Settings.MaxDeliveryCount);
    }

    [Fact]
    public async Task Update_WithTheWholeGetResult_RoundTrips()
    {
        var queue = await _server.CreateQueueAsync(new QueueSettings { MaxDeliveryCount = 4 });
        var description = await _server.GetJsonAsync($"/api/queues/{queue.Name}");
        description["properties"]!["MaxDeliveryCount"] = 5;

        await _server.PutJsonAsync($"/api/queues/{queue.Name}", description.ToJsonString(), HttpStatusCode.OK);

        Assert.Equal(5, queue.Settings.MaxDeliveryCount);
        Assert.Equal(TimeSpan.MaxValue, queue.Settings.DefaultMessageTimeToLive);
    }

    [Fact]
    public async Task Update_RequiresSessionChange_Is400()
    {
        var queue = await _server.CreateQueueAsync();
        var problem = await _server.PutJsonAsync($"/api/queues/{queue.Name}", "{\"properties\":{\"RequiresSession\":true}}", HttpStatusCode.BadRequest);
        Assert.Equal("RequiresSession", (string?)problem["property"]);
        Assert.False(queue.Settings.RequiresSession);
    }

    [Fact]
    public async Task Update_OutOfRange_Is400AndNothingChanges()
    {
        var queue = await _server.CreateQueueAsync();
        var problem = await _server.PutJsonAsync($"/api/queues/{queue.Name}",
            "{\"properties\":{\"MaxDeliveryCount\":2,\"DuplicateDetectionHistoryTimeWindow\":\"PT1S\"}}", HttpStatusCode.BadRequest);
        Assert.Equal("DuplicateDetectionHistoryTimeWindow", (string?)problem["property"]);
        Assert.Equal("PT20S to P7D", (string?)problem["allowed"]);
        Assert.Equal(10, queue.Settings.MaxDeliveryCount);
    }

    [Fact]
    public async Task Delete_RemovesTheQueue()
    {
        var queue = await _server.CreateQueueAsync();
        var response = await _server.Http.DeleteAsync($"/api/queues/{queue.Name}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(_server.Server.Broker.TryGetQueue(queue.Name, out _));
        await _server.GetJsonAsync($"/api/queues/{queue.Name}", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Entities_ListsQueuesWithSettingsAndCounts()
    {
        var queue = await _server.CreateQueueAsync(new QueueSettings { MaxDeliveryCount = 3 });
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":\"one\"}", HttpStatusCode.Created);
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":\"two\",\"scheduledEnqueueTime\":\"2099-01-01T00:00:00Z\"}", HttpStatusCode.Created);

        var entities = await _server.GetJsonAsync("/api/entities");
        var entry = entities["entities"]!.AsArray().Single(e => (string?)e!["name"] == queue.Name)!;

        Assert.Equal("queue", (string?)entry["type"]);
        Assert.Equal("Active", (string?)entry["status"]);
        Assert.Equal(3, (int)entry["properties"]!["MaxDeliveryCount"]!);
        Assert.Equal("PT1M", (string?)entry["properties"]!["LockDuration"]);
        Assert.Equal("P10675199DT2H48M5.4775807S", (string?)entry["properties"]!["DefaultMessageTimeToLive"]);
        Assert.Equal(1, (long)entry["counts"]!["active"]!);
        Assert.Equal(1, (long)entry["counts"]!["scheduled"]!);
        Assert.Equal(0, (long)entry["counts"]!["deadLetter"]!);
        Assert.Equal(0, (long)entry["counts"]!["deferred"]!);
        Assert.Equal(0, (long)entry["counts"]!["transfer"]!);
        Assert.Equal(0, (long)entry["counts"]!["transferDeadLetter"]!);
        Assert.True((long)entry["sizeInBytes"]! > 0);
        Assert.NotNull(entry["createdAt"]);
        Assert.NotNull(entry["updatedAt"]);
        Assert.NotNull(entry["accessedAt"]);
    }

    [Fact]
    public async Task Entities_ListsTopicsAndTheirSubscriptions()
    {
        var topic = AdminServer.UniqueName();
        await _server.Server.Broker.CreateTopicAsync(topic, new TopicSettings { MaxSizeInMegabytes = 2048 });
        await _server.Server.Broker.CreateSubscriptionAsync(topic, "audit", new QueueSettings { MaxDeliveryCount = 4 });

        var entities = (await _server.GetJsonAsync("/api/entities"))["entities"]!.AsArray();
        var topicEntry = entities.Single(e => (string?)e!["name"] == topic)!;
        Assert.Equal("topic", (string?)topicEntry["type"]);
        Assert.Equal(2048, (int)topicEntry["properties"]!["MaxSizeInMegabytes"]!);
        Assert.Equal($"{topic}/Subscriptions/audit", (string?)topicEntry["subscriptions"]![0]);
        var subscription = entities.Single(e => (string?)e!["name"] == $"{topic}/Subscriptions/audit")!;
        Assert.Equal("subscription", (string?)subscription["type"]);
        Assert.Equal(topic, (string?)subscription["topic"]);
        Assert.Equal(4, (int)subscription["properties"]!["MaxDeliveryCount"]!);
        Assert.Equal("$Default", (string?)subscription["rules"]![0]);
        Assert.Equal(0, (long)subscription["counts"]!["active"]!);
        Assert.All(entities.Where(e => (string?)e!["type"] == "queue"), e => Assert.Null(e!["topic"]));
    }

    [Fact]
    public async Task Status_FollowsSendsDeadLettersAndSchedules()
    {
        var queue = await _server.CreateQueueAsync();
        var path = $"/api/queues/{queue.Name}/status";
        var empty = await _server.GetJsonAsync(path);
        Assert.Equal(queue.Name, (string?)empty["name"]);
        Assert.Equal(0, (long)empty["active_messages"]!);

        for (var i = 0; i < 3; i++)
            await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", $"{{\"body\":{i}}}", HttpStatusCode.Created);
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":9,\"scheduledEnqueueTime\":\"2099-01-01T00:00:00Z\"}", HttpStatusCode.Created);
        await BrokerMoves.DeadLetterAsync(queue, 1);

        var status = await _server.GetJsonAsync(path);
        Assert.Equal(2, (long)status["active_messages"]!);
        Assert.Equal(1, (long)status["dead_letter_messages"]!);
        Assert.Equal(1, (long)status["scheduled_messages"]!);

        var all = await _server.GetJsonAsync("/api/queues/status");
        var mine = all["queues"]![queue.Name]!;
        Assert.Equal(2, (long)mine["active_messages"]!);
        Assert.Equal(1, (long)mine["dead_letter_messages"]!);
        Assert.Equal(1, (long)mine["scheduled_messages"]!);
    }

    [Fact]
    public async Task QueueNameWithSlash_IsReachedEncoded()
    {
        var name = AdminServer.UniqueName() + "/inner";
        await _server.PostJsonAsync("/api/queues", AdminServer.Serialize(new { name }), HttpStatusCode.Created);
        var status = await _server.GetJsonAsync($"/api/queues/{Uri.EscapeDataString(name)}/status");
        Assert.Equal(name, (string?)status["name"]);
    }
}
