using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

public sealed class ForwardingTests
{
    [Fact]
    public async Task Send_ToQueueWithForwardTo_LandsInTarget()
    {
        await using var f = await BrokerFixture.StartAsync();
        var target = await f.CreateQueueAsync("target");
        var source = await f.CreateQueueAsync("source", new QueueSettings { ForwardTo = "target" });

        await source.SendAsync([BrokerFixture.Message("hop")]);

        Assert.Empty(source.Peek(SubQueue.Main, 1, 10));
        Assert.Equal("hop", BrokerFixture.Text(Assert.Single(target.Peek(SubQueue.Main, 1, 10))));
    }

    [Fact]
    public async Task Forwarding_ChainLongerThanFourHops_StopsAtTheFourthEntity()
    {
        await using var f = await BrokerFixture.StartAsync();
        var q5 = await f.CreateQueueAsync("q5");
        var q4 = await f.CreateQueueAsync("q4", new QueueSettings { ForwardTo = "q5" });
        await f.CreateQueueAsync("q3", new QueueSettings { ForwardTo = "q4" });
        await f.CreateQueueAsync("q2", new QueueSettings { ForwardTo = "q3" });
        await f.CreateQueueAsync("q1", new QueueSettings { ForwardTo = "q2" });
        var q0 = await f.CreateQueueAsync("q0", new QueueSettings { ForwardTo = "q1" });

        await q0.SendAsync([BrokerFixture.Message("far")]);

        Assert.Single(q4.Peek(SubQueue.Main, 1, 10));
        Assert.Empty(q5.Peek(SubQueue.Main, 1, 10));
    }

    [Fact]
    public async Task DeadLetter_WithForwardDeadLetteredMessagesTo_LandsInTargetWithReason()
    {
        await using var f = await BrokerFixture.StartAsync();
        var target = await f.CreateQueueAsync("poison");
        var source = await f.CreateQueueAsync("work", new QueueSettings { ForwardDeadLetteredMessagesTo = "poison" });
        await source.SendAsync([BrokerFixture.Message("bad")]);
        var sink = new RecordingSink();
        using var receiver = source.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1);
        var arrived = new RecordingSink();
        using var watcher = target.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, arrived);
        watcher.AddCredit(1);

        await source.DeadLetterAsync(sink.Messages[0].LockToken, "Poison", "cannot parse");
        await arrived.WaitForAsync(1); // the forward runs in the background once the dead-lettering is decided

        Assert.Empty(source.Peek(SubQueue.DeadLetter, 1, 10));
        var forwarded = Assert.Single(arrived.Messages);
        Assert.Equal("bad", BrokerFixture.Text(forwarded));
        Assert.Equal("Poison", forwarded.PropertyOverrides![DeadLetterReasons.ReasonProperty]);
        Assert.Equal("work", forwarded.DeadLetterSource);
    }

    [Fact]
    public async Task Subscription_WithForwardTo_SendsItsCopyToTheQueue()
    {
        await using var f = await BrokerFixture.StartAsync();
        var topic = await f.Broker.CreateTopicAsync("events", new TopicSettings());
        var inbox = await f.CreateQueueAsync("inbox");
        var direct = await f.Broker.CreateSubscriptionAsync("events", "direct", new QueueSettings());
        var forwarding = await f.Broker.CreateSubscriptionAsync("events", "to-inbox", new QueueSettings { ForwardTo = "inbox" });

        await topic.SendAsync([BrokerFixture.Message("e1")]);

        Assert.Single(direct.Peek(SubQueue.Main, 1, 10));
        Assert.Empty(forwarding.Peek(SubQueue.Main, 1, 10));
        Assert.Equal("e1", BrokerFixture.Text(Assert.Single(inbox.Peek(SubQueue.Main, 1, 10))));
    }

    [Fact]
    public async Task Subscription_ForwardRefusedByItsTarget_NoSubscriptionGetsACopy_TheFanOutAndForwardsAreOneCommit()
    {
        await using var f = await BrokerFixture.StartAsync();
        var topic = await f.Broker.CreateTopicAsync("events", new TopicSettings { RequiresDuplicateDetection = true });
        await f.CreateQueueAsync("inbox", new QueueSettings { Status = EntityStatus.SendDisabled });
        var direct = await f.Broker.CreateSubscriptionAsync("events", "direct", new QueueSettings());
        await f.Broker.CreateSubscriptionAsync("events", "to-inbox", new QueueSettings { ForwardTo = "inbox" });

        var refused = await Assert.ThrowsAsync<BrokerException>(() => topic.SendAsync([BrokerFixture.Message("e1", messageId: "m-1")]));
        Assert.Equal(BrokerErrorCode.EntityDisabled, refused.Code);
        Assert.Empty(direct.Peek(SubQueue.Main, 1, 10));

        // Nothing was kept of the refused send, not even its message-id: the retry once the target takes sends goes through.
        await f.Broker.UpdateQueueAsync("inbox", new QueueSettings());
        await topic.SendAsync([BrokerFixture.Message("e1", messageId: "m-1")]);
        Assert.Single(direct.Peek(SubQueue.Main, 1, 10));
        Assert.Single(f.Broker.GetQueue("inbox").Peek(SubQueue.Main, 1, 10));

        await f.RestartAsync(); // one commit held all of it
        Assert.Single(f.Broker.GetSubscription("events", "direct").Peek(SubQueue.Main, 1, 10));
        Assert.Single(f.Broker.GetQueue("inbox").Peek(SubQueue.Main, 1, 10));
    }

    [Fact]
    public async Task CreateQueue_ForwardingBackToItself_IsRefusedNamingTheCycle()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.CreateQueueAsync("b", new QueueSettings { ForwardTo = "a" });

        var ex = await Assert.ThrowsAsync<BrokerException>(() => f.CreateQueueAsync("a", new QueueSettings { ForwardTo = "b" }));

        Assert.Equal(BrokerErrorCode.InvalidArgument, ex.Code);
        Assert.Contains("a → b → a", ex.Message);
    }

    [Fact]
    public async Task CreateSubscription_ForwardingBackToItsTopic_IsRefused()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.Broker.CreateTopicAsync("events", new TopicSettings());
        await f.CreateQueueAsync("relay", new QueueSettings { ForwardTo = "events" });

        var ex = await Assert.ThrowsAsync<BrokerException>(() =>
            f.Broker.CreateSubscriptionAsync("events", "loop", new QueueSettings { ForwardTo = "relay" }));

        Assert.Equal(BrokerErrorCode.InvalidArgument, ex.Code);
        Assert.Contains("cycle", ex.Message);
    }

    [Fact]
    public async Task Send_ForwardTargetDeleted_MessageDeadLetteredWithReason()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.CreateQueueAsync("gone");
        var source = await f.CreateQueueAsync("source", new QueueSettings { ForwardTo = "gone" });
        await f.Broker.DeleteQueueAsync("gone");

        await source.SendAsync([BrokerFixture.Message("orphan")]);

        var dead = Assert.Single(source.Peek(SubQueue.DeadLetter, 1, 10));
        Assert.Equal(DeadLetterReasons.ForwardingTargetNotFound, dead.PropertyOverrides![DeadLetterReasons.ReasonProperty]);
        Assert.Empty(source.Peek(SubQueue.Main, 1, 10));
    }
}
