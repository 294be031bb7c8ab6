using System.Net;
using Amqp;
using Ferry.Broker;
using static Ferry.Atom.Tests.AtomServer;

namespace Ferry.Atom.Tests;

/// <summary>Topics and subscriptions through the Atom API.</summary>
public sealed class TopicTests(AtomServer fixture) : IClassFixture<AtomServer>
{
    private async Task<string> CreateTopicAsync(string name)
    {
        await XmlAsync(await fixture.PutAsync($"/{name}", Entry("TopicDescription", "<DefaultMessageTimeToLive>PT1H</DefaultMessageTimeToLive>")),
            HttpStatusCode.Created);
        return name;
    }

    [Fact]
    public async Task PutTopic_New_Returns201AndGetReturnsTopicDescription()
    {
        var name = await CreateTopicAsync(UniqueName());

        var d = Xml.Description(await XmlAsync(await fixture.GetAsync($"/{name}"), HttpStatusCode.OK));

        Assert.Equal("TopicDescription", d.Name.LocalName);
        Assert.Equal("PT1H", Xml.Field(d, "DefaultMessageTimeToLive"));
        Assert.Equal("true", Xml.Field(d, "SupportOrdering"));
        Assert.Equal("0", Xml.Field(d, "SubscriptionCount"));
        Assert.Equal(0, Xml.Count(d, "ScheduledMessageCount"));
        Assert.Equal(EntityOrigin.Api, fixture.Server.Broker.GetTopic(name).Origin);
    }

    [Fact]
    public async Task PutTopic_IfMatch_UpdatesSettings()
    {
        var name = await CreateTopicAsync(UniqueName());

        var d = Xml.Description(await XmlAsync(await fixture.PutAsync($"/{name}", Entry("TopicDescription",
            "<RequiresDuplicateDetection>true</RequiresDuplicateDetection><DuplicateDetectionHistoryTimeWindow>PT1M</DuplicateDetectionHistoryTimeWindow>"),
            update: true), HttpStatusCode.OK));

        Assert.Equal("true", Xml.Field(d, "RequiresDuplicateDetection"));
        Assert.Equal("PT1M", Xml.Field(d, "DuplicateDetectionHistoryTimeWindow"));
        Assert.Equal("PT1H", Xml.Field(d, "DefaultMessageTimeToLive"));
        Assert.True(fixture.Server.Broker.GetTopic(name).Settings.RequiresDuplicateDetection);
    }

    [Fact]
    public async Task PutQueueDescription_IfMatch_OnTopic_Returns409()
    {
        var name = await CreateTopicAsync(UniqueName());
        await ErrorAsync(await fixture.PutAsync($"/{name}", Entry("QueueDescription", ""), update: true), HttpStatusCode.Conflict, "is a topic");
    }

    [Fact]
    public async Task ListTopics_ContainsCreatedTopics()
    {
        var a = await CreateTopicAsync(UniqueName());
        var b = await CreateTopicAsync(UniqueName());

        var feed = await XmlAsync(await fixture.GetAsync("/$Resources/Topics"), HttpStatusCode.OK);

        var titles = Xml.Entries(feed).Select(Xml.Title).ToList();
        Assert.Contains(a, titles);
        Assert.Contains(b, titles);
        Assert.All(Xml.Entries(feed), e => Assert.Equal("TopicDescription", Xml.Description(e).Name.LocalName));
    }

    [Fact]
    public async Task DeleteTopic_RemovesTopicAndSubscriptions()
    {
        var name = await CreateTopicAsync(UniqueName());
        await XmlAsync(await fixture.PutAsync($"/{name}/Subscriptions/s1", Entry("SubscriptionDescription", "")), HttpStatusCode.Created);

        Assert.Equal(HttpStatusCode.OK, (await fixture.DeleteAsync($"/{name}")).StatusCode);

        Assert.False(fixture.Server.Broker.TryGetTopic(name, out _));
        await ErrorAsync(await fixture.GetAsync($"/{name}/Subscriptions/s1"), HttpStatusCode.NotFound, "could not be found");
    }

    [Fact]
    public async Task PutSubscription_New_Returns201WithSettingsAndDefaultRule()
    {
        var topic = await CreateTopicAsync(UniqueName());

        var entry = await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/workers", Entry("SubscriptionDescription",
            "<LockDuration>PT45S</LockDuration><RequiresSession>false</RequiresSession><DeadLetteringOnFilterEvaluationExceptions>false</DeadLetteringOnFilterEvaluationExceptions>"
            + "<MaxDeliveryCount>3</MaxDeliveryCount><Status>Active</Status>")), HttpStatusCode.Created);

        Assert.Equal($"http://127.0.0.1:{fixture.Server.HttpPort}/{topic}/Subscriptions/workers?api-version=2021-05", Xml.Id(entry));
        var d = Xml.Description(entry);
        Assert.Equal("SubscriptionDescription", d.Name.LocalName);
        Assert.Equal("PT45S", Xml.Field(d, "LockDuration"));
        Assert.Equal("3", Xml.Field(d, "MaxDeliveryCount"));
        Assert.Equal("false", Xml.Field(d, "DeadLetteringOnFilterEvaluationExceptions"));
        Assert.Equal("Active", Xml.Field(d, "Status"));
        Assert.Equal("Available", Xml.Field(d, "EntityAvailabilityStatus"));
        Assert.Equal("0", Xml.Field(d, "MessageCount"));
        var subscription = fixture.Server.Broker.GetSubscription(topic, "workers");
        Assert.Equal(EntityOrigin.Api, subscription.Origin);
        Assert.Equal("$Default", Assert.Single(subscription.Rules).Name);
    }

    [Fact]
    public async Task PutSubscription_WithDefaultRuleDescription_StartsWithThatRule()
    {
        var topic = await CreateTopicAsync(UniqueName());

        await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/eu", Entry("SubscriptionDescription",
            "<DefaultRuleDescription><Filter xmlns:p4=\"http://www.w3.org/2001/XMLSchema-instance\" p4:type=\"SqlFilter\"><SqlExpression>region = 'eu'</SqlExpression></Filter>"
            + "<Action xmlns:p4=\"http://www.w3.org/2001/XMLSchema-instance\" p4:type=\"EmptyRuleAction\"/><Name>eu-only</Name></DefaultRuleDescription>")),
            HttpStatusCode.Created);

        var rule = Assert.Single(fixture.Server.Broker.GetSubscription(topic, "eu").Rules);
        Assert.Equal("eu-only", rule.Name);
        Assert.Equal("region = 'eu'", Assert.IsType<Ferry.Broker.Filters.SqlFilter>(rule.Filter).Expression);
    }

    [Fact]
    public async Task PutSubscription_IfMatch_UpdatesSettingsAndKeepsRules()
    {
        var topic = await CreateTopicAsync(UniqueName());
        await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/s", Entry("SubscriptionDescription", "")), HttpStatusCode.Created);

        var d = Xml.Description(await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/s",
            Entry("SubscriptionDescription", "<MaxDeliveryCount>7</MaxDeliveryCount><UserMetadata>note</UserMetadata>"), update: true), HttpStatusCode.OK));

        Assert.Equal("7", Xml.Field(d, "MaxDeliveryCount"));
        Assert.Equal("note", Xml.Field(d, "UserMetadata"));
        var subscription = fixture.Server.Broker.GetSubscription(topic, "s");
        Assert.Equal(7, subscription.Settings.MaxDeliveryCount);
        Assert.Equal("$Default", Assert.Single(subscription.Rules).Name);
    }

    [Fact]
    public async Task PutSubscription_Existing_Returns409_AndOnMissingTopic_Returns404()
    {
        var topic = await CreateTopicAsync(UniqueName());
        await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/s", Entry("SubscriptionDescription", "")), HttpStatusCode.Created);

        await ErrorAsync(await fixture.PutAsync($"/{topic}/Subscriptions/s", Entry("SubscriptionDescription", "")), HttpStatusCode.Conflict, "already exists");
        await ErrorAsync(await fixture.PutAsync($"/{UniqueName()}/Subscriptions/s", Entry("SubscriptionDescription", "")),
            HttpStatusCode.NotFound, "could not be found");
    }

    [Fact]
    public async Task ListSubscriptions_WithTrailingSlash_ListsAllWithPaging()
    {
        var topic = await CreateTopicAsync(UniqueName());
        foreach (var name in new[] { "c", "a", "b" })
            await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/{name}", Entry("SubscriptionDescription", "")), HttpStatusCode.Created);

        var first = await XmlAsync(await fixture.GetAsync($"/{topic}/Subscriptions/?$top=2&api-version=2021-05"), HttpStatusCode.OK);
        var second = await XmlAsync(await fixture.GetAsync(new Uri(Xml.NextLink(first)!).PathAndQuery), HttpStatusCode.OK);

        Assert.Equal(["a", "b"], Xml.Entries(first).Select(Xml.Title));
        Assert.Equal(["c"], Xml.Entries(second).Select(Xml.Title));
        Assert.Null(Xml.NextLink(second));
        Assert.EndsWith($"/{topic}/Subscriptions/a?api-version=2021-05", Xml.Id(Xml.Entries(first)[0]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSubscription_AfterSendToTopic_ReportsCountsAndTopicReportsSubscriptionCount()
    {
        var topic = await CreateTopicAsync(UniqueName());
        await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/one", Entry("SubscriptionDescription", "")), HttpStatusCode.Created);
        await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/two", Entry("SubscriptionDescription", "")), HttpStatusCode.Created);
        var connection = await Connection.Factory.CreateAsync(fixture.AmqpAddress);
        try
        {
            var sender = new SenderLink(new Session(connection), "sender", topic);
            await sender.SendAsync(new Message("a"));
            await sender.SendAsync(new Message("b"));
        }
        finally
        {
            await connection.CloseAsync();
        }

        var sub = Xml.Description(await XmlAsync(await fixture.GetAsync($"/{topic}/Subscriptions/one"), HttpStatusCode.OK));
        var top = Xml.Description(await XmlAsync(await fixture.GetAsync($"/{topic}"), HttpStatusCode.OK));

        Assert.Equal(2, Xml.Count(sub, "ActiveMessageCount"));
        Assert.Equal("2", Xml.Field(sub, "MessageCount"));
        Assert.Equal("2", Xml.Field(top, "SubscriptionCount"));
        Assert.True(long.Parse(Xml.Field(top, "SizeInBytes")) > 0);
    }

    [Fact]
    public async Task Subscription_OfTopicWithSlashInName_IsAddressedBySuffix()
    {
        var topic = await CreateTopicAsync($"{UniqueName()}/events");

        var entry = await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/all", Entry("SubscriptionDescription", "")), HttpStatusCode.Created);
        var rules = await XmlAsync(await fixture.GetAsync($"/{topic}/subscriptions/ALL/rules"), HttpStatusCode.OK);

        Assert.EndsWith($"/{topic}/Subscriptions/all?api-version=2021-05", Xml.Id(entry), StringComparison.Ordinal);
        Assert.Equal(["$Default"], Xml.Entries(rules).Select(Xml.Title));
        Assert.NotNull(fixture.Server.Broker.GetSubscription(topic, "all"));
    }

    [Fact]
    public async Task DeleteSubscription_RemovesIt_ThenDeleteAgainReturns404()
    {
        var topic = await CreateTopicAsync(UniqueName());
        await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/s", Entry("SubscriptionDescription", "")), HttpStatusCode.Created);

        Assert.Equal(HttpStatusCode.OK, (await fixture.DeleteAsync($"/{topic}/Subscriptions/s")).StatusCode);

        Assert.Empty(fixture.Server.Broker.GetTopic(topic).Subscriptions);
        await ErrorAsync(await fixture.DeleteAsync($"/{topic}/Subscriptions/s"), HttpStatusCode.NotFound, "could not be found");
    }
}
