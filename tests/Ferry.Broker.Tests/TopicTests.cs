using Ferry.Broker;
using Ferry.Broker.Filters;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

public sealed class TopicTests
{
    private static IncomingMessage Message(string body, string? subject = null, Dictionary<string, object?>? properties = null)
    {
        var view = new FilterMessage(properties ?? []) { Subject = subject };
        var message = BrokerFixture.Message(body);
        return new IncomingMessage { Body = message.Body, FilterView = view };
    }

    private static List<string> Drain(QueueEntity subscription, SubQueue subQueue = SubQueue.Main)
    {
        var sink = new RecordingSink();
        using var receiver = subscription.CreateReceiver(subQueue, ReceiveMode.ReceiveAndDelete, sink);
        receiver.AddCredit(100);
        return [.. sink.Messages.Select(BrokerFixture.Text)];
    }

    [Fact]
    public async Task Send_ToTopic_FansOutToEverySubscriptionWithTheSameSequenceNumber()
    {
        await using var f = await BrokerFixture.StartAsync();
        var topic = await f.Broker.CreateTopicAsync("events", new TopicSettings());
        var audit = await f.Broker.CreateSubscriptionAsync("events", "audit", new QueueSettings());
        var billing = await f.Broker.CreateSubscriptionAsync("events", "billing", new QueueSettings());

        var sequence = await topic.SendAsync([Message("e1"), Message("e2")]);

        Assert.Equal([1L, 2L], sequence);
        Assert.Equal([1L, 2L], audit.Peek(SubQueue.Main, 1, 10).Select(m => m.SequenceNumber));
        Assert.Equal(["e1", "e2"], Drain(billing));
        Assert.Equal("events/Subscriptions/audit", audit.Name);
        Assert.Equal(Rule.DefaultRuleName, Assert.Single(audit.Rules).Name);
    }

    [Fact]
    public async Task Send_StraightToASubscription_TakesTheTopicsNextNumbers_NeverACollisionBeforeOrAfterRestart()
    {
        await using var f = await BrokerFixture.StartAsync();
        var topic = await f.Broker.CreateTopicAsync("events", new TopicSettings());
        var audit = await f.Broker.CreateSubscriptionAsync("events", "audit", new QueueSettings());
        await f.Broker.CreateSubscriptionAsync("events", "billing", new QueueSettings());
        await topic.SendAsync([Message("e1"), Message("e2")]);

        // What a dead-letter replay does: a copy into one subscription only.
        var direct = await audit.SendAsync([Message("replayed")]);
        var later = await topic.SendAsync([Message("e3")]);

        Assert.Equal([3L], direct);
        Assert.Equal([4L], later);
        Assert.Equal([1L, 2L, 3L, 4L], audit.Peek(SubQueue.Main, 1, 10).Select(m => m.SequenceNumber));

        await f.RestartAsync();
        var again = await f.Broker.GetSubscription("events", "audit").SendAsync([Message("replayed again")]);
        var last = await f.Broker.GetTopic("events").SendAsync([Message("e4")]);
        Assert.Equal([5L], again);
        Assert.Equal([6L], last);
    }

    [Fact]
    public async Task ReplaceRule_SwapsInPlaceInOneCommit_AndSurvivesRestart()
    {
        await using var f = await BrokerFixture.StartAsync();
        var topic = await f.Broker.CreateTopicAsync("orders", new TopicSettings());
        var now = f.Time.GetUtcNow();
        var sub = await f.Broker.CreateSubscriptionAsync("orders", "picked", new QueueSettings(),
            [Rule.Create("first", new SqlFilter("n = 1"), null, now), Rule.Create("second", new SqlFilter("n = 2"), null, now)]);

        await f.Broker.ReplaceRuleAsync(sub, "first", Rule.Create("FIRST", new SqlFilter("n = 3"), null, now));
        await topic.SendAsync([Message("one", properties: new() { ["n"] = 1 }), Message("three", properties: new() { ["n"] = 3 })]);

        Assert.Equal(["FIRST", "second"], sub.Rules.Select(r => r.Name));
        Assert.Equal(["three"], Drain(sub));
        var missing = await Assert.ThrowsAsync<BrokerException>(() => f.Broker.ReplaceRuleAsync(sub, "nope", Rule.Create("nope", TrueFilter.Instance, null, now)));
        Assert.Equal(BrokerErrorCode.MessageNotFound, missing.Code);
        var clash = await Assert.ThrowsAsync<BrokerException>(() => f.Broker.ReplaceRuleAsync(sub, "first", Rule.Create("Second", TrueFilter.Instance, null, now)));
        Assert.Equal(BrokerErrorCode.EntityAlreadyExists, clash.Code);
        await f.Broker.ReplaceRuleAsync(sub, "second", Rule.Create("renamed", new SqlFilter("n = 2"), null, now));
        Assert.Equal(["FIRST", "renamed"], sub.Rules.Select(r => r.Name));

        await f.RestartAsync();
        var recovered = f.Broker.GetSubscription("orders", "picked");
        Assert.Equal("n = 3", Assert.IsType<SqlFilter>(recovered.Rules[0].Filter).Expression);
    }

    [Fact]
    public async Task Send_WithSqlAndCorrelationRules_RoutesOnlyMatchingMessages()
    {
        await using var f = await BrokerFixture.StartAsync();
        var topic = await f.Broker.CreateTopicAsync("orders", new TopicSettings());
        var now = f.Time.GetUtcNow();
        var large = await f.Broker.CreateSubscriptionAsync("orders", "large", new QueueSettings(),
            [Rule.Create("big", new SqlFilter("amount > 100 AND region = 'eu'"), null, now)]);
        var refunds = await f.Broker.CreateSubscriptionAsync("orders", "refunds", new QueueSettings(),
            [Rule.Create("refund", new CorrelationFilter { Subject = "refund" }, null, now)]);

        await topic.SendAsync([
            Message("small", properties: new() { ["amount"] = 5, ["region"] = "eu" }),
            Message("big-eu", properties: new() { ["amount"] = 500, ["region"] = "eu" }),
            Message("big-us", properties: new() { ["amount"] = 500, ["region"] = "us" }),
            Message("refund", subject: "refund"),
        ]);

        Assert.Equal(["big-eu"], Drain(large));
        Assert.Equal(["refund"], Drain(refunds));
    }

    [Fact]
    public async Task Send_RuleWithSqlAction_SetsPropertyOnThatSubscriptionsCopy()
    {
        await using var f = await BrokerFixture.StartAsync();
        var topic = await f.Broker.CreateTopicAsync("orders", new TopicSettings());
        await f.Broker.CreateSubscriptionAsync("orders", "tagged", new QueueSettings(),
            [Rule.Create("tag", TrueFilter.Instance, new SqlRuleAction("SET priority = 'high'"), f.Time.GetUtcNow())]);
        var plain = await f.Broker.CreateSubscriptionAsync("orders", "plain", new QueueSettings());

        await topic.SendAsync([Message("o1")]);

        var tagged = f.Broker.GetSubscription("orders", "TAGGED").Peek(SubQueue.Main, 1, 1)[0];
        Assert.Equal("high", tagged.PropertyOverrides!["priority"]);
        Assert.Null(plain.Peek(SubQueue.Main, 1, 1)[0].PropertyOverrides);
    }

    [Fact]
    public async Task Send_FilterFailsToEvaluate_MessageDeadLetteredWithReason()
    {
        await using var f = await BrokerFixture.StartAsync();
        var topic = await f.Broker.CreateTopicAsync("orders", new TopicSettings());
        var strict = await f.Broker.CreateSubscriptionAsync("orders", "strict", new QueueSettings(),
            [Rule.Create("typed", new SqlFilter("amount > 100"), null, f.Time.GetUtcNow())]);

        await topic.SendAsync([Message("bad", properties: new() { ["amount"] = "not a number" })]);

        var dead = Assert.Single(strict.Peek(SubQueue.DeadLetter, 1, 10));
        Assert.Equal(DeadLetterReasons.FilterEvaluationFailed, dead.PropertyOverrides![DeadLetterReasons.ReasonProperty]);
        Assert.Empty(strict.Peek(SubQueue.Main, 1, 10));
    }

    [Fact]
    public async Task AddAndRemoveRule_ChangesRouting_AndDuplicateRuleNameFails()
    {
        await using var f = await BrokerFixture.StartAsync();
        var topic = await f.Broker.CreateTopicAsync("orders", new TopicSettings());
        var sub = await f.Broker.CreateSubscriptionAsync("orders", "s", new QueueSettings());
        await f.Broker.RemoveRuleAsync(sub, Rule.DefaultRuleName);
        await topic.SendAsync([Message("unrouted")]);
        await f.Broker.AddRuleAsync(sub, Rule.Create("eu", new SqlFilter("region = 'eu'"), null, f.Time.GetUtcNow()));

        var ex = await Assert.ThrowsAsync<BrokerException>(() => f.Broker.AddRuleAsync(sub, Rule.Create("EU", TrueFilter.Instance, null, f.Time.GetUtcNow())));
        await topic.SendAsync([Message("eu", properties: new() { ["region"] = "eu" })]);

        Assert.Equal(BrokerErrorCode.EntityAlreadyExists, ex.Code);
        Assert.Equal(["eu"], Drain(sub));
    }

    [Fact]
    public async Task Restart_RecoversTopicsSubscriptionsRulesMessagesAndSequence()
    {
        await using var f = await BrokerFixture.StartAsync();
        var topic = await f.Broker.CreateTopicAsync("orders", new TopicSettings());
        await f.Broker.CreateSubscriptionAsync("orders", "eu", new QueueSettings { MaxDeliveryCount = 4 },
            [Rule.Create("eu", new SqlFilter("region = @r", new Dictionary<string, object?> { ["@r"] = "eu" }), new SqlRuleAction("SET seen = 1"), f.Time.GetUtcNow())]);
        await topic.SendAsync([Message("m1", properties: new() { ["region"] = "eu" })]);

        await f.RestartAsync();

        var recovered = f.Broker.GetSubscription("orders", "eu");
        Assert.Equal(4, recovered.Settings.MaxDeliveryCount);
        var rule = Assert.Single(recovered.Rules);
        Assert.Equal("region = @r", Assert.IsType<SqlFilter>(rule.Filter).Expression);
        Assert.Equal("eu", Assert.IsType<SqlFilter>(rule.Filter).Parameters["@r"]);
        Assert.Equal((object)1L, recovered.Peek(SubQueue.Main, 1, 1)[0].PropertyOverrides!["seen"]);
        var next = await f.Broker.GetTopic("orders").SendAsync([Message("m2", properties: new() { ["region"] = "eu" })]);
        Assert.Equal([2L], next);
    }

    [Fact]
    public async Task FanOut_BodyStoredOnce_EachSubscriptionReadsItAfterRestart_AndAfterTheOtherCompleted()
    {
        await using var f = await BrokerFixture.StartAsync();
        var topic = await f.Broker.CreateTopicAsync("events", new TopicSettings());
        await f.Broker.CreateSubscriptionAsync("events", "a", new QueueSettings());
        await f.Broker.CreateSubscriptionAsync("events", "b", new QueueSettings());
        await topic.SendAsync([Message("shared body")]);

        await f.RestartAsync();
        var a = f.Broker.GetSubscription("events", "a");
        var b = f.Broker.GetSubscription("events", "b");
        var sinkA = new RecordingSink();
        using var receiverA = a.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sinkA);
        receiverA.AddCredit(1);
        var bodyA = await a.LoadBodyAsync(sinkA.Messages[0]);
        await a.CompleteAsync(sinkA.Messages[0].LockToken);
        var peekedB = b.Peek(SubQueue.Main, 1, 1)[0];
        var bodyB = await b.LoadBodyAsync(peekedB);

        Assert.Equal("shared body", System.Text.Encoding.UTF8.GetString(bodyA!.Value.Span));
        Assert.Equal("shared body", System.Text.Encoding.UTF8.GetString(bodyB!.Value.Span));
        Assert.Equal(11, peekedB.Size);
    }

    [Fact]
    public async Task DeleteTopic_RemovesSubscriptions()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.Broker.CreateTopicAsync("orders", new TopicSettings());
        await f.Broker.CreateSubscriptionAsync("orders", "s", new QueueSettings());

        await f.Broker.DeleteTopicAsync("orders");
        await f.RestartAsync();

        Assert.False(f.Broker.TryGetTopic("orders", out _));
        Assert.False(f.Broker.TryResolve("orders/Subscriptions/s", out _, out _));
    }

    [Fact]
    public async Task TryResolve_SubscriptionAndItsDeadLetterQueue_CaseInsensitive()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.Broker.CreateTopicAsync("Orders", new TopicSettings());
        await f.Broker.CreateSubscriptionAsync("Orders", "Audit", new QueueSettings());

        Assert.True(f.Broker.TryResolve("orders/subscriptions/audit/$DeadLetterQueue", out var sub, out var subQueue));
        Assert.Equal(SubQueue.DeadLetter, subQueue);
        Assert.Equal(EntityKind.Subscription, sub.Kind);
        Assert.True(f.Broker.TryGetSendTarget("ORDERS", out var target));
        Assert.IsType<TopicEntity>(target);
    }
}
