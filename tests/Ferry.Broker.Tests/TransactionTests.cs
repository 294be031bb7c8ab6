using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

public sealed class TransactionTests
{
    private static async Task<(BrokerFixture F, QueueEntity Input, QueueEntity Output, RecordingSink Sink)> LockedInputAsync(int messages = 1,
        QueueSettings? settings = null)
    {
        var f = await BrokerFixture.StartAsync();
        var input = await f.CreateQueueAsync("input", settings);
        var output = await f.CreateQueueAsync("output");
        for (var i = 0; i < messages; i++)
            await input.SendAsync([BrokerFixture.Message($"work-{i}")]);
        var sink = new RecordingSink();
        var receiver = input.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(messages);
        Assert.Equal(messages, sink.Messages.Count);
        return (f, input, output, sink);
    }

    [Fact]
    public async Task Commit_CompleteAndSendAcrossQueues_AreInvisibleUntilCommitThenDurableTogether()
    {
        var (f, input, output, sink) = await LockedInputAsync();
        await using var _f = f;
        var transaction = f.Broker.CreateTransaction();
        transaction.EnlistSettlement(input, sink.Messages[0].LockToken, new Settlement(SettlementKind.Complete));
        transaction.EnlistSend(output, [BrokerFixture.Message("result")]);

        Assert.Empty(output.Peek(SubQueue.Main, 1, 10));
        Assert.True(input.HoldsLock(sink.Messages[0].LockToken));

        await transaction.CommitAsync();

        Assert.Empty(input.Peek(SubQueue.Main, 1, 10));
        Assert.Equal("result", BrokerFixture.Text(Assert.Single(output.Peek(SubQueue.Main, 1, 10))));
        await f.RestartAsync();
        Assert.Empty(f.Broker.GetQueue("input").Peek(SubQueue.Main, 1, 10));
        Assert.Single(f.Broker.GetQueue("output").Peek(SubQueue.Main, 1, 10));
    }

    [Fact]
    public async Task Commit_WithOneLockLost_AppliesNothingAndKeepsTheOtherLock()
    {
        var (f, input, output, sink) = await LockedInputAsync(messages: 2);
        await using var _f = f;
        var transaction = f.Broker.CreateTransaction();
        transaction.EnlistSettlement(input, sink.Messages[0].LockToken, new Settlement(SettlementKind.Complete));
        transaction.EnlistSettlement(input, sink.Messages[1].LockToken, new Settlement(SettlementKind.DeadLetter, DeadLetterReason: "r"));
        transaction.EnlistSend(output, [BrokerFixture.Message("result")]);
        await input.CompleteAsync(sink.Messages[1].LockToken); // settled outside the transaction meanwhile

        var ex = await Assert.ThrowsAsync<BrokerException>(() => transaction.CommitAsync());

        Assert.Equal(BrokerErrorCode.MessageLockLost, ex.Code);
        Assert.True(input.HoldsLock(sink.Messages[0].LockToken));
        Assert.Empty(output.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(0, input.GetRuntimeProperties().DeadLetterMessageCount);
        await input.CompleteAsync(sink.Messages[0].LockToken); // the lock is usable again
    }

    [Fact]
    public async Task Rollback_LeavesMessageLockedUnchanged_RedeliveredWhenTheLockExpires()
    {
        var (f, input, output, sink) = await LockedInputAsync(settings: new QueueSettings { LockDuration = TimeSpan.FromSeconds(30) });
        await using var _f = f;
        var transaction = f.Broker.CreateTransaction();
        transaction.EnlistSettlement(input, sink.Messages[0].LockToken, new Settlement(SettlementKind.Complete));
        transaction.EnlistSend(output, [BrokerFixture.Message("result")]);

        transaction.Rollback();

        Assert.True(input.HoldsLock(sink.Messages[0].LockToken));
        Assert.Empty(output.Peek(SubQueue.Main, 1, 10));
        var receiver = input.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1);
        f.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(2, sink.Messages.Count);
        Assert.Equal(1, sink.Messages[1].DeliveryCount);
        await Assert.ThrowsAsync<BrokerException>(() => transaction.CommitAsync());
    }

    [Fact]
    public async Task Timeout_TwoMinutesAfterFirstOperation_CommitFailsAndAppliesNothing()
    {
        var (f, input, output, sink) = await LockedInputAsync(settings: new QueueSettings { LockDuration = TimeSpan.FromMinutes(5) });
        await using var _f = f;
        var transaction = f.Broker.CreateTransaction();
        f.Time.Advance(TimeSpan.FromMinutes(1)); // the timer starts at the first operation, not at declare
        transaction.EnlistSend(output, [BrokerFixture.Message("result")]);
        transaction.EnlistSettlement(input, sink.Messages[0].LockToken, new Settlement(SettlementKind.Complete));

        f.Time.Advance(BrokerTransaction.Timeout - TimeSpan.FromTicks(1));
        Assert.False(transaction.IsExpired);
        f.Time.Advance(TimeSpan.FromTicks(1));
        Assert.True(transaction.IsExpired);

        var ex = await Assert.ThrowsAsync<BrokerException>(() => transaction.CommitAsync());
        Assert.Equal(BrokerErrorCode.Timeout, ex.Code);
        Assert.Empty(output.Peek(SubQueue.Main, 1, 10));
        Assert.True(input.HoldsLock(sink.Messages[0].LockToken));
    }

    [Fact]
    public async Task Commit_DeferAbandonAndTopicSend_AppliedAtCommit()
    {
        var (f, input, _, sink) = await LockedInputAsync(messages: 2);
        await using var _f = f;
        await f.Broker.CreateTopicAsync("events", new TopicSettings());
        var audit = await f.Broker.CreateSubscriptionAsync("events", "audit", new QueueSettings());
        var transaction = f.Broker.CreateTransaction();
        transaction.EnlistSettlement(input, sink.Messages[0].LockToken, new Settlement(SettlementKind.Defer));
        transaction.EnlistSettlement(input, sink.Messages[1].LockToken,
            new Settlement(SettlementKind.Abandon, new Dictionary<string, object?> { ["attempt"] = 1 }));
        Assert.True(f.Broker.TryGetSendTarget("events", out var events));
        transaction.EnlistSend(events, [BrokerFixture.Message("event")]);
        Assert.Empty(audit.Peek(SubQueue.Main, 1, 10));

        await transaction.CommitAsync();

        var messages = input.Peek(SubQueue.Main, 1, 10);
        Assert.Equal(MessageState.Deferred, messages[0].State);
        Assert.Equal(1, messages[1].DeliveryCount);
        Assert.Equal("event", BrokerFixture.Text(Assert.Single(audit.Peek(SubQueue.Main, 1, 10))));
    }

    [Fact]
    public async Task EnlistSettlement_WithUnknownLock_FailsAtOnceWithLockLost()
    {
        var (f, input, _, _) = await LockedInputAsync();
        await using var _f = f;
        var transaction = f.Broker.CreateTransaction();

        var ex = Assert.Throws<BrokerException>(() => transaction.EnlistSettlement(input, Guid.NewGuid(), new Settlement(SettlementKind.Complete)));

        Assert.Equal(BrokerErrorCode.MessageLockLost, ex.Code);
        Assert.Equal(0, transaction.Count);
    }

    [Fact]
    public async Task Commit_FailsAfterTopicSendWasPrepared_MessageIdIsNotLeftInDuplicateHistory()
    {
        var (f, input, _, sink) = await LockedInputAsync();
        await using var _f = f;
        await f.Broker.CreateTopicAsync("events", new TopicSettings { RequiresDuplicateDetection = true });
        var audit = await f.Broker.CreateSubscriptionAsync("events", "audit", new QueueSettings());
        Assert.True(f.Broker.TryGetSendTarget("events", out var events));
        var transaction = f.Broker.CreateTransaction();
        transaction.EnlistSend(events, [BrokerFixture.Message("event", messageId: "event-1")]);
        transaction.EnlistSend(input, [BrokerFixture.Message(new string('x', 300 * 1024))]); // over 256 KB: refused at commit
        transaction.EnlistSettlement(input, sink.Messages[0].LockToken, new Settlement(SettlementKind.Complete));

        var ex = await Assert.ThrowsAsync<BrokerException>(() => transaction.CommitAsync());

        Assert.Equal(BrokerErrorCode.MessageSizeExceeded, ex.Code);
        Assert.Empty(audit.Peek(SubQueue.Main, 1, 10));
        var sequenceNumbers = await events.SendAsync([BrokerFixture.Message("event", messageId: "event-1")]);
        Assert.NotEqual(0, sequenceNumbers[0]); // not dropped as a duplicate of the rolled-back send
        Assert.Single(audit.Peek(SubQueue.Main, 1, 10));
        Assert.True(input.HoldsLock(sink.Messages[0].LockToken));
    }
}
