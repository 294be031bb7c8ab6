using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

public sealed class ReceiveTests
{
    [Fact]
    public async Task PeekLock_Delivery_CarriesLockTokenLockedUntilAndZeroDeliveryCount()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { LockDuration = TimeSpan.FromSeconds(30) });
        await queue.SendAsync([BrokerFixture.Message("hello")]);
        var sink = new RecordingSink();

        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1);

        var message = Assert.Single(sink.Messages);
        Assert.NotEqual(Guid.Empty, message.LockToken);
        Assert.Equal(f.Time.GetUtcNow() + TimeSpan.FromSeconds(30), message.LockedUntil);
        Assert.Equal(0, message.DeliveryCount);
        Assert.Equal("hello", BrokerFixture.Text(message));
    }

    [Fact]
    public async Task WaitingReceiver_MessageArrives_IsPushedWithoutPolling()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(5);
        Assert.Empty(sink.Messages);

        await queue.SendAsync([BrokerFixture.Message("a"), BrokerFixture.Message("b")]);

        Assert.Equal(["a", "b"], sink.Messages.Select(BrokerFixture.Text));
        Assert.Equal(3, receiver.Credit);
    }

    [Fact]
    public async Task Receiver_WithoutCredit_GetsNothingUntilCreditGranted()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([BrokerFixture.Message("a"), BrokerFixture.Message("b"), BrokerFixture.Message("c")]);
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);

        Assert.Empty(sink.Messages);
        receiver.SetDeliveryLimit(2);

        Assert.Equal(["a", "b"], sink.Messages.Select(BrokerFixture.Text));
    }

    [Fact]
    public async Task CompetingReceivers_ShareMessagesFairlyInSequenceOrder()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        var one = new RecordingSink();
        var two = new RecordingSink();
        using var r1 = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, one);
        using var r2 = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, two);
        r1.AddCredit(100);
        r2.AddCredit(100);

        await queue.SendAsync([.. Enumerable.Range(0, 10).Select(i => BrokerFixture.Message($"m{i}"))]);

        Assert.Equal(5, one.Messages.Count);
        Assert.Equal(5, two.Messages.Count);
        var all = one.Messages.Concat(two.Messages).Select(m => m.SequenceNumber).Order().ToArray();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), all);
        Assert.True(one.Messages.Select(m => m.SequenceNumber).SequenceEqual(one.Messages.Select(m => m.SequenceNumber).Order()));
    }

    [Fact]
    public async Task ReceiveAndDelete_RemovesMessageOnDelivery()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([BrokerFixture.Message("a")]);
        var sink = new RecordingSink();

        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.ReceiveAndDelete, sink);
        receiver.AddCredit(1);

        Assert.Equal(Guid.Empty, Assert.Single(sink.Messages).LockToken);
        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
    }

    [Fact]
    public async Task Drain_WithNothingReady_ReturnsDeliveredCountAndZeroesCredit()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([BrokerFixture.Message("a")]);
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(5);

        var delivered = receiver.Drain();

        Assert.Equal(1, delivered);
        Assert.Equal(0, receiver.Credit);
        await queue.SendAsync([BrokerFixture.Message("b")]);
        Assert.Single(sink.Messages);
    }

    [Theory]
    [InlineData(EntityStatus.Disabled)]
    [InlineData(EntityStatus.ReceiveDisabled)]
    public async Task CreateReceiver_OnReceiveDisabledEntity_FailsWithEntityDisabled(EntityStatus status)
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { Status = status });

        var ex = Assert.Throws<BrokerException>(() => queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, new RecordingSink()));

        Assert.Equal(BrokerErrorCode.EntityDisabled, ex.Code);
    }

    [Fact]
    public async Task DeleteQueue_ClosesItsReceivers()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);

        await f.Broker.DeleteQueueAsync("ORDERS");

        Assert.Equal(BrokerErrorCode.EntityNotFound, sink.ClosedWith?.Code);
        Assert.False(f.Broker.TryGetQueue("orders", out _));
    }

    [Fact]
    public async Task Peek_OfALockedMessage_ShowsNoLock_AndTheSameOverridesAsWhenUnlocked()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        var overlay = new MessageOverlay { RemovedProperties = new HashSet<string>(["gone"], StringComparer.Ordinal) };
        overlay.Set("kept", 5);
        overlay.SystemProperties = new() { [Ferry.Broker.Filters.SystemProperty.Subject] = "label" };
        await queue.SendAsync([new IncomingMessage { Body = "a"u8.ToArray(), Overlay = overlay }]);
        var unlocked = Assert.Single(queue.Peek(SubQueue.Main, 0, 1));

        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1);
        var locked = Assert.Single(queue.Peek(SubQueue.Main, 0, 1));

        Assert.Equal(Guid.Empty, locked.LockToken);
        Assert.Null(locked.LockedUntil);
        Assert.NotEqual(Guid.Empty, Assert.Single(sink.Messages).LockToken);
        Assert.Equal(unlocked.PropertyOverrides, locked.PropertyOverrides);
        Assert.Equal(["gone"], locked.RemovedProperties!);
        Assert.Equal("label", locked.SystemPropertyOverrides![Ferry.Broker.Filters.SystemProperty.Subject]);
    }

    [Fact]
    public async Task Peek_FromSequenceNumber_ShowsScheduledAndDeferredWithStateAndDoesNotLock()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([BrokerFixture.Message("a"), BrokerFixture.Message("b"), BrokerFixture.Message("c", scheduled: f.Time.GetUtcNow().AddHours(1))]);
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1);
        await queue.DeferAsync(sink.Messages[0].LockToken);

        var peeked = queue.Peek(SubQueue.Main, 1, 10);
        var fromTwo = queue.Peek(SubQueue.Main, 2, 1);

        Assert.Equal([MessageState.Deferred, MessageState.Active, MessageState.Scheduled], peeked.Select(m => m.State));
        Assert.All(peeked, m => Assert.Equal(Guid.Empty, m.LockToken));
        Assert.Equal(2, Assert.Single(fromTwo).SequenceNumber);
        receiver.AddCredit(1);
        Assert.Equal("b", BrokerFixture.Text(sink.Messages[1]));
    }

    [Fact]
    public async Task RuntimeProperties_CountEachStateAndSize()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([BrokerFixture.Message("aa"), BrokerFixture.Message("bbb"), BrokerFixture.Message("c", scheduled: f.Time.GetUtcNow().AddHours(1))]);
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1);
        await queue.DeadLetterAsync(sink.Messages[0].LockToken, "bad", "really bad");

        var counts = queue.GetRuntimeProperties();

        Assert.Equal(1, counts.ActiveMessageCount);
        Assert.Equal(1, counts.DeadLetterMessageCount);
        Assert.Equal(1, counts.ScheduledMessageCount);
        Assert.Equal(6, counts.SizeInBytes);
    }
}
