using Ferry.Broker;
using Ferry.Broker.Filters;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

/// <summary>
/// What a subscription's copy carries after its rules' SQL actions (Azure: each matching rule with an action makes a
/// copy of its own, with a RuleName property; the matching rules without an action make one copy between them).
/// </summary>
public sealed class RuleActionCopyTests
{
    private static IncomingMessage Message(string body, Dictionary<string, object?>? properties = null, string? subject = null)
    {
        var view = new FilterMessage(properties ?? []) { Subject = subject };
        return new IncomingMessage { Body = BrokerFixture.Message(body).Body, FilterView = view };
    }

    private static async Task<(TopicEntity Topic, QueueEntity Subscription)> TopicWithRulesAsync(BrokerFixture f, params Rule[] rules)
    {
        var topic = await f.Broker.CreateTopicAsync("orders", new TopicSettings());
        var subscription = await f.Broker.CreateSubscriptionAsync("orders", "s", new QueueSettings(), rules);
        return (topic, subscription);
    }

    [Fact]
    public async Task Remove_OfASentProperty_MarksItRemovedOnTheCopy_NotSetToNull()
    {
        await using var f = await BrokerFixture.StartAsync();
        var (topic, sub) = await TopicWithRulesAsync(f, Rule.Create("strip", TrueFilter.Instance, new SqlRuleAction("REMOVE secret"), f.Time.GetUtcNow()));

        await topic.SendAsync([Message("m", new() { ["secret"] = "s3", ["keep"] = 1 })]);

        var copy = Assert.Single(sub.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(["secret"], copy.RemovedProperties);
        Assert.False(copy.PropertyOverrides!.ContainsKey("secret"));
        Assert.Equal("strip", copy.PropertyOverrides["RuleName"]);
    }

    [Fact]
    public async Task SetSystemProperties_StoredAsOverrides_SessionIdAndTimeToLiveShapeTheEntry()
    {
        await using var f = await BrokerFixture.StartAsync();
        var (topic, sub) = await TopicWithRulesAsync(f, Rule.Create("sys", TrueFilter.Instance, new SqlRuleAction(
            "SET sys.Label = 'relabelled'; SET sys.To = 'there'; SET sys.CorrelationId = 'c-9'; SET sys.ContentType = 'application/json'; "
            + "SET sys.SessionId = 'sess'; SET sys.TimeToLive = @ttl",
            new Dictionary<string, object?> { ["@ttl"] = TimeSpan.FromMinutes(5) }), f.Time.GetUtcNow()));
        var now = f.Time.GetUtcNow();

        await topic.SendAsync([Message("m", subject: "original")]);

        var copy = Assert.Single(sub.Peek(SubQueue.Main, 1, 10));
        var system = copy.SystemPropertyOverrides!;
        Assert.Equal("relabelled", system[SystemProperty.Subject]);
        Assert.Equal("there", system[SystemProperty.To]);
        Assert.Equal("c-9", system[SystemProperty.CorrelationId]);
        Assert.Equal("application/json", system[SystemProperty.ContentType]);
        Assert.Equal(TimeSpan.FromMinutes(5), system[SystemProperty.TimeToLive]);
        Assert.Equal("sess", copy.SessionId);
        Assert.Equal(now + TimeSpan.FromMinutes(5), copy.ExpiresAt);
    }

    [Fact]
    public async Task SetScheduledEnqueueTime_InTheFuture_SchedulesTheCopy_UntilThatTimeExactly()
    {
        await using var f = await BrokerFixture.StartAsync();
        var at = f.Time.GetUtcNow() + TimeSpan.FromMinutes(10);
        var (topic, sub) = await TopicWithRulesAsync(f, Rule.Create("later", TrueFilter.Instance,
            new SqlRuleAction("SET sys.ScheduledEnqueueTimeUtc = @at", new Dictionary<string, object?> { ["@at"] = at }), f.Time.GetUtcNow()));

        await topic.SendAsync([Message("m")]);

        var copy = Assert.Single(sub.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(MessageState.Scheduled, copy.State);
        Assert.Equal(at, copy.ScheduledEnqueueTime);
        f.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.Equal(MessageState.Scheduled, Assert.Single(sub.Peek(SubQueue.Main, 1, 10)).State);
        f.Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(MessageState.Active, Assert.Single(sub.Peek(SubQueue.Main, 1, 10)).State);
    }

    [Fact]
    public async Task SeveralMatchingRules_OneCopyPerActionRule_PlusOneForAllRulesWithoutAction()
    {
        await using var f = await BrokerFixture.StartAsync();
        var now = f.Time.GetUtcNow();
        // Azure's documented example: five matching rules, two with actions -> three messages.
        var (topic, sub) = await TopicWithRulesAsync(f,
            Rule.Create("plain1", TrueFilter.Instance, null, now),
            Rule.Create("plain2", new SqlFilter("n = 1"), null, now),
            Rule.Create("plain3", new SqlFilter("n > 0"), null, now),
            Rule.Create("red", new SqlFilter("n = 1"), new SqlRuleAction("SET colour = 'red'"), now),
            Rule.Create("blue", TrueFilter.Instance, new SqlRuleAction("SET colour = 'blue'; REMOVE n"), now),
            Rule.Create("never", FalseFilter.Instance, new SqlRuleAction("SET colour = 'none'"), now));
        var other = await f.Broker.CreateSubscriptionAsync("orders", "other", new QueueSettings());

        var sent = await topic.SendAsync([Message("m", new() { ["n"] = 1 })]);
        var next = await topic.SendAsync([Message("m2", new() { ["n"] = 2 })]);

        var copies = sub.Peek(SubQueue.Main, 1, 10).Where(m => BrokerFixture.Text(m) == "m").ToList();
        Assert.Equal(3, copies.Count);
        Assert.Null(copies[0].PropertyOverrides);
        Assert.Equal(sent[0], copies[0].SequenceNumber);
        Assert.Equal(new Dictionary<string, object?> { ["colour"] = "red", ["RuleName"] = "red" }, copies[1].PropertyOverrides);
        Assert.Null(copies[1].RemovedProperties);
        Assert.Equal(new Dictionary<string, object?> { ["colour"] = "blue", ["RuleName"] = "blue" }, copies[2].PropertyOverrides);
        Assert.Equal(["n"], copies[2].RemovedProperties);
        Assert.Equal(3, copies.Select(c => c.SequenceNumber).Distinct().Count());
        Assert.True(next[0] > copies.Max(c => c.SequenceNumber));
        Assert.Equal([sent[0]], other.Peek(SubQueue.Main, 1, 10).Where(m => BrokerFixture.Text(m) == "m").Select(m => m.SequenceNumber));
        // n = 2: plain1 and plain3 (one copy) and blue.
        Assert.Equal(2, sub.Peek(SubQueue.Main, 1, 10).Count(m => BrokerFixture.Text(m) == "m2"));
    }

    [Fact]
    public async Task OnlyActionRulesMatch_NoPlainCopy_FirstActionCopyTakesTheTopicsNumber()
    {
        await using var f = await BrokerFixture.StartAsync();
        var now = f.Time.GetUtcNow();
        var (topic, sub) = await TopicWithRulesAsync(f,
            Rule.Create("a", TrueFilter.Instance, new SqlRuleAction("SET x = 1"), now),
            Rule.Create("b", TrueFilter.Instance, new SqlRuleAction("SET x = 2"), now));

        var sent = await topic.SendAsync([Message("m")]);

        var copies = sub.Peek(SubQueue.Main, 1, 10);
        Assert.Equal(["a", "b"], copies.Select(c => (string)c.PropertyOverrides!["RuleName"]!));
        Assert.Equal(sent[0], copies[0].SequenceNumber);
        Assert.Equal(sent[0] + 1, copies[1].SequenceNumber);
    }

    [Fact]
    public async Task Restart_KeepsRemovalsSystemOverridesAndPerRuleCopies()
    {
        await using var f = await BrokerFixture.StartAsync();
        var now = f.Time.GetUtcNow();
        var (topic, _) = await TopicWithRulesAsync(f,
            Rule.Create("plain", TrueFilter.Instance, null, now),
            Rule.Create("act", TrueFilter.Instance, new SqlRuleAction("REMOVE secret; SET sys.Label = 'L'"), now));

        await topic.SendAsync([Message("m", new() { ["secret"] = 1 })]);
        await f.RestartAsync();

        var copies = f.Broker.GetSubscription("orders", "s").Peek(SubQueue.Main, 1, 10);
        Assert.Equal(2, copies.Count);
        Assert.Null(copies[0].RemovedProperties);
        Assert.Equal(["secret"], copies[1].RemovedProperties);
        Assert.Equal("L", copies[1].SystemPropertyOverrides![SystemProperty.Subject]);
        Assert.Equal("act", copies[1].PropertyOverrides!["RuleName"]);
    }

    [Fact]
    public async Task ForwardingSubscription_NextHopSeesTheActionsChanges_AndATopicFiltersOnThem()
    {
        await using var f = await BrokerFixture.StartAsync();
        var now = f.Time.GetUtcNow();
        var inbox = await f.CreateQueueAsync("inbox");
        var relay = await f.Broker.CreateTopicAsync("relay", new TopicSettings());
        var relayed = await f.Broker.CreateSubscriptionAsync("relay", "labelled", new QueueSettings(),
            [Rule.Create("by-label", new SqlFilter("sys.Label = 'L' AND RuleName = 'act' AND NOT EXISTS(secret)"), null, now)]);
        var topic = await f.Broker.CreateTopicAsync("orders", new TopicSettings());
        var act = Rule.Create("act", TrueFilter.Instance, new SqlRuleAction("REMOVE secret; SET sys.Label = 'L'; SET sys.SessionId = 'S'"), now);
        await f.Broker.CreateSubscriptionAsync("orders", "to-inbox", new QueueSettings { ForwardTo = "inbox" }, [act]);
        await f.Broker.CreateSubscriptionAsync("orders", "to-relay", new QueueSettings { ForwardTo = "relay" }, [act]);

        await topic.SendAsync([Message("m", new() { ["secret"] = 1 })]);

        var forwarded = Assert.Single(inbox.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(["secret"], forwarded.RemovedProperties);
        Assert.Equal("L", forwarded.SystemPropertyOverrides![SystemProperty.Subject]);
        Assert.Equal("S", forwarded.SessionId);
        Assert.Equal("act", forwarded.PropertyOverrides!["RuleName"]);
        var second = Assert.Single(relayed.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(["secret"], second.RemovedProperties);
        Assert.Equal("L", second.SystemPropertyOverrides![SystemProperty.Subject]);
    }
}
