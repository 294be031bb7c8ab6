using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

public sealed class SettlementTests
{
    private static async Task<(BrokerFixture F, QueueEntity Queue, RecordingSink Sink, Receiver Receiver)> OneLockedAsync(QueueSettings? settings = null)
    {
        var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", settings);
        await queue.SendAsync([BrokerFixture.Message("work")]);
        var sink = new RecordingSink();
        var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1);
        return (f, queue, sink, receiver);
    }

    [Fact]
    public async Task Complete_LockedMessage_RemovesIt()
    {
        var (f, queue, sink, _) = await OneLockedAsync();
        await using var _f = f;

        await queue.CompleteAsync(sink.Messages[0].LockToken);

        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(0, queue.GetRuntimeProperties().SizeInBytes);
    }

    [Fact]
    public async Task Complete_Twice_SecondFailsWithLockLost()
    {
        var (f, queue, sink, _) = await OneLockedAsync();
        await using var _f = f;
        await queue.CompleteAsync(sink.Messages[0].LockToken);

        var ex = await Assert.ThrowsAsync<BrokerException>(() => queue.CompleteAsync(sink.Messages[0].LockToken));

        Assert.Equal(BrokerErrorCode.MessageLockLost, ex.Code);
    }

    [Fact]
    public async Task Complete_UnknownLockToken_FailsWithLockLost()
    {
        var (f, queue, _, _) = await OneLockedAsync();
        await using var _f = f;

        var ex = await Assert.ThrowsAsync<BrokerException>(() => queue.CompleteAsync(Guid.NewGuid()));

        Assert.Equal(BrokerErrorCode.MessageLockLost, ex.Code);
    }

    [Fact]
    public async Task LockExpiry_AtExactDeadline_ReturnsMessageWithDeliveryCountRaised()
    {
        var (f, queue, sink, receiver) = await OneLockedAsync(new QueueSettings { LockDuration = TimeSpan.FromSeconds(10) });
        await using var _f = f;
        var token = sink.Messages[0].LockToken;
        receiver.AddCredit(1);

        f.Time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.True(queue.HoldsLock(token));
        Assert.Single(sink.Messages);

        f.Time.Advance(TimeSpan.FromTicks(1));
        Assert.False(queue.HoldsLock(token));
        Assert.Equal(2, sink.Messages.Count);
        Assert.Equal(1, sink.Messages[1].DeliveryCount);
        var ex = await Assert.ThrowsAsync<BrokerException>(() => queue.CompleteAsync(token));
        Assert.Equal(BrokerErrorCode.MessageLockLost, ex.Code);
    }

    [Fact]
    public async Task RenewLock_MovesExpiryForward_OldDeadlinePassesWithoutRelease()
    {
        var (f, queue, sink, _) = await OneLockedAsync(new QueueSettings { LockDuration = TimeSpan.FromSeconds(10) });
        await using var _f = f;
        var token = sink.Messages[0].LockToken;

        f.Time.Advance(TimeSpan.FromSeconds(6));
        var until = queue.RenewLock(token);
        f.Time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(f.Time.GetUtcNow() + TimeSpan.FromSeconds(4), until);
        Assert.True(queue.HoldsLock(token));
        await queue.CompleteAsync(token);
    }

    [Fact]
    public async Task RenewLock_AfterExpiry_FailsWithLockLost()
    {
        var (f, queue, sink, _) = await OneLockedAsync(new QueueSettings { LockDuration = TimeSpan.FromSeconds(10) });
        await using var _f = f;
        f.Time.Advance(TimeSpan.FromSeconds(10));

        var ex = Assert.Throws<BrokerException>(() => queue.RenewLock(sink.Messages[0].LockToken));

        Assert.Equal(BrokerErrorCode.MessageLockLost, ex.Code);
    }

    [Fact]
    public async Task Abandon_RedeliversWithDeliveryCountPlusOneAndModifiedProperties()
    {
        var (f, queue, sink, receiver) = await OneLockedAsync();
        await using var _f = f;

        await queue.AbandonAsync(sink.Messages[0].LockToken, new Dictionary<string, object?> { ["attempt"] = 1, ["why"] = "flaky" });
        receiver.AddCredit(1);

        var again = sink.Messages[1];
        Assert.Equal(1, again.DeliveryCount);
        Assert.Equal(1, again.PropertyOverrides!["attempt"]);
        Assert.Equal("flaky", again.PropertyOverrides["why"]);
    }

    [Fact]
    public async Task Abandon_WithUnsupportedPropertyType_FailsAndKeepsLock()
    {
        var (f, queue, sink, _) = await OneLockedAsync();
        await using var _f = f;
        var token = sink.Messages[0].LockToken;

        var ex = await Assert.ThrowsAsync<BrokerException>(() => queue.AbandonAsync(token, new Dictionary<string, object?> { ["x"] = new object() }));

        Assert.Equal(BrokerErrorCode.InvalidArgument, ex.Code);
        Assert.True(queue.HoldsLock(token));
    }

    [Fact]
    public async Task Abandon_AtMaxDeliveryCount_MovesToDeadLetterWithReason()
    {
        var (f, queue, sink, receiver) = await OneLockedAsync(new QueueSettings { MaxDeliveryCount = 3 });
        await using var _f = f;

        for (var attempt = 0; attempt < 3; attempt++)
        {
            Assert.Equal(attempt, sink.Messages[attempt].DeliveryCount);
            receiver.AddCredit(1);
            await queue.AbandonAsync(sink.Messages[attempt].LockToken);
        }

        Assert.Equal(3, sink.Messages.Count);
        var dead = Assert.Single(queue.Peek(SubQueue.DeadLetter, 1, 10));
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, dead.PropertyOverrides![DeadLetterReasons.ReasonProperty]);
        Assert.Equal("orders", dead.DeadLetterSource);
        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
    }

    [Fact]
    public async Task AbandonWithDelay_InvisibleUntilRetryAfter_ThenRedeliveredWithCount()
    {
        var (f, queue, sink, receiver) = await OneLockedAsync();
        await using var _f = f;
        receiver.AddCredit(1);

        await queue.AbandonAsync(sink.Messages[0].LockToken, retryAfter: TimeSpan.FromSeconds(30));
        f.Time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Single(sink.Messages);

        f.Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(2, sink.Messages.Count);
        Assert.Equal(1, sink.Messages[1].DeliveryCount);
    }

    [Fact]
    public async Task Defer_ThenReceiveDeferredBySequenceNumber_AndComplete()
    {
        var (f, queue, sink, receiver) = await OneLockedAsync();
        await using var _f = f;
        var sequenceNumber = sink.Messages[0].SequenceNumber;

        await queue.DeferAsync(sink.Messages[0].LockToken);
        receiver.AddCredit(1);
        Assert.Single(sink.Messages);

        var deferred = Assert.Single(await queue.ReceiveDeferredAsync(SubQueue.Main, [sequenceNumber], ReceiveMode.PeekLock));
        Assert.Equal(MessageState.Deferred, deferred.State);
        Assert.NotEqual(Guid.Empty, deferred.LockToken);
        Assert.Equal("work", BrokerFixture.Text(deferred));
        await queue.CompleteAsync(deferred.LockToken);
        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
    }

    [Fact]
    public async Task ReceiveDeferred_ForMessageThatIsNotDeferred_FailsWithMessageNotFound()
    {
        var (f, queue, sink, _) = await OneLockedAsync();
        await using var _f = f;

        var ex = await Assert.ThrowsAsync<BrokerException>(() => queue.ReceiveDeferredAsync(SubQueue.Main, [sink.Messages[0].SequenceNumber, 99], ReceiveMode.PeekLock));

        Assert.Equal(BrokerErrorCode.MessageNotFound, ex.Code);
    }

    [Fact]
    public async Task DeferredMessage_AbandonedAfterReceive_StaysDeferred()
    {
        var (f, queue, sink, _) = await OneLockedAsync();
        await using var _f = f;
        var sequenceNumber = sink.Messages[0].SequenceNumber;
        await queue.DeferAsync(sink.Messages[0].LockToken);
        var deferred = (await queue.ReceiveDeferredAsync(SubQueue.Main, [sequenceNumber], ReceiveMode.PeekLock))[0];

        await queue.AbandonAsync(deferred.LockToken);

        Assert.Equal(MessageState.Deferred, Assert.Single(queue.Peek(SubQueue.Main, 1, 1)).State);
    }

    [Fact]
    public async Task DeadLetter_WithReasonAndDescription_ReceivableFromDeadLetterQueue()
    {
        var (f, queue, sink, _) = await OneLockedAsync();
        await using var _f = f;

        await queue.DeadLetterAsync(sink.Messages[0].LockToken, "Poison", "Could not parse", new Dictionary<string, object?> { ["stage"] = "parse" });
        var dlqSink = new RecordingSink();
        using var dlq = queue.CreateReceiver(SubQueue.DeadLetter, ReceiveMode.PeekLock, dlqSink);
        dlq.AddCredit(1);

        var dead = Assert.Single(dlqSink.Messages);
        Assert.Equal(SubQueue.DeadLetter, dead.SubQueue);
        Assert.Equal("Poison", dead.PropertyOverrides![DeadLetterReasons.ReasonProperty]);
        Assert.Equal("Could not parse", dead.PropertyOverrides[DeadLetterReasons.DescriptionProperty]);
        Assert.Equal("parse", dead.PropertyOverrides["stage"]);
        await queue.CompleteAsync(dead.LockToken);
        Assert.Equal(0, queue.GetRuntimeProperties().DeadLetterMessageCount);
    }

    [Fact]
    public async Task DeadLetter_MessageAlreadyInDeadLetterQueue_FailsWithInvalidOperation()
    {
        var (f, queue, sink, _) = await OneLockedAsync();
        await using var _f = f;
        await queue.DeadLetterAsync(sink.Messages[0].LockToken, "Poison", null);
        var dlqSink = new RecordingSink();
        using var dlq = queue.CreateReceiver(SubQueue.DeadLetter, ReceiveMode.PeekLock, dlqSink);
        dlq.AddCredit(1);

        var ex = await Assert.ThrowsAsync<BrokerException>(() => queue.DeadLetterAsync(dlqSink.Messages[0].LockToken, "again", null));

        Assert.Equal(BrokerErrorCode.InvalidOperation, ex.Code);
    }

    [Fact]
    public async Task LockedMessage_ReceiverClosed_LockStaysValidUntilExpiry()
    {
        var (f, queue, sink, receiver) = await OneLockedAsync(new QueueSettings { LockDuration = TimeSpan.FromSeconds(10) });
        await using var _f = f;

        receiver.Dispose();

        Assert.True(queue.HoldsLock(sink.Messages[0].LockToken));
        await queue.CompleteAsync(sink.Messages[0].LockToken);
    }
}
