using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

public sealed class RecoveryTests
{
    [Fact]
    public async Task Restart_RecoversEntitiesSettingsMessagesAndSequence()
    {
        await using var f = await BrokerFixture.StartAsync();
        var settings = new QueueSettings { MaxDeliveryCount = 3, LockDuration = TimeSpan.FromSeconds(30), UserMetadata = "kept" };
        var queue = await f.CreateQueueAsync("Orders", settings);
        await queue.SendAsync([BrokerFixture.Message("a"), BrokerFixture.Message("b")]);

        await f.RestartAsync();

        var recovered = f.Broker.GetQueue("orders");
        Assert.Equal("Orders", recovered.Name);
        Assert.Equal(settings, recovered.Settings);
        var sink = new RecordingSink();
        using var receiver = recovered.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(2);
        Assert.Equal(2, sink.Messages.Count);
        Assert.False(sink.Messages[0].IsBodyLoaded);
        var body = await recovered.LoadBodyAsync(sink.Messages[0]);
        Assert.Equal("a", System.Text.Encoding.UTF8.GetString(body!.Value.Span));
        var next = await recovered.SendAsync([BrokerFixture.Message("c")]);
        Assert.Equal([3L], next);
    }

    [Theory]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301")] // a GUID as text: kept as 16 bytes, written back the same
    [InlineData("3f2504e04f8911d39a0c0305e82c3301")]
    [InlineData("3F2504E0-4F89-11D3-9A0C-0305E82C3301")] // upper case would not round-trip through a Guid: kept as text
    [InlineData("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}")]
    [InlineData("order-17")]
    public async Task Restart_MessageIdComesBackExactly(string messageId)
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([BrokerFixture.Message("a", messageId)]);
        Assert.Equal(messageId, queue.Peek(SubQueue.Main, 0, 1).Single().MessageId);

        await f.RestartAsync();

        Assert.Equal(messageId, f.Broker.GetQueue("orders").Peek(SubQueue.Main, 0, 1).Single().MessageId);
    }

    [Fact]
    public async Task Restart_AfterAllMessagesCompleted_SequenceNumbersAreNotReused()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([BrokerFixture.Message("a")]);
        var sink = new RecordingSink();
        using (var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink))
        {
            receiver.AddCredit(1);
            await queue.CompleteAsync(sink.Messages[0].LockToken);
        }

        await f.RestartAsync();

        var next = await f.Broker.GetQueue("orders").SendAsync([BrokerFixture.Message("b")]);
        Assert.Equal([2L], next);
    }

    [Fact]
    public async Task Restart_WhileLocked_MessageReturnsWithDeliveryCountRaised()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([BrokerFixture.Message("a")]);
        var sink = new RecordingSink();
        var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1);
        Assert.Equal(0, sink.Messages[0].DeliveryCount);

        await f.RestartAsync();

        var again = new RecordingSink();
        using var next = f.Broker.GetQueue("orders").CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, again);
        next.AddCredit(1);
        Assert.Equal(1, Assert.Single(again.Messages).DeliveryCount);
    }

    [Fact]
    public async Task Restart_KeepsDeadLetteredDeferredAndScheduledMessages()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([BrokerFixture.Message("dead"), BrokerFixture.Message("deferred"), BrokerFixture.Message("later", scheduled: f.Time.GetUtcNow().AddMinutes(1))]);
        var sink = new RecordingSink();
        var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(2);
        await queue.DeadLetterAsync(sink.Messages[0].LockToken, "Poison", "bad input");
        await queue.DeferAsync(sink.Messages[1].LockToken);

        await f.RestartAsync();
        var recovered = f.Broker.GetQueue("orders");

        var dead = Assert.Single(recovered.Peek(SubQueue.DeadLetter, 1, 10));
        Assert.Equal("Poison", dead.PropertyOverrides![DeadLetterReasons.ReasonProperty]);
        Assert.Equal("orders", dead.DeadLetterSource);
        Assert.Equal([MessageState.Deferred, MessageState.Scheduled], recovered.Peek(SubQueue.Main, 1, 10).Select(m => m.State));
        var counts = recovered.GetRuntimeProperties();
        Assert.Equal((1, 1, 1), (counts.DeadLetterMessageCount, counts.DeferredMessageCount, counts.ScheduledMessageCount));

        var later = new RecordingSink();
        using var next = recovered.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, later);
        next.AddCredit(1);
        f.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(3, Assert.Single(later.Messages).SequenceNumber);
    }

    [Fact]
    public async Task Restart_DeletedQueue_StaysDeleted()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([BrokerFixture.Message("a")]);
        await f.Broker.DeleteQueueAsync("orders");

        await f.RestartAsync();

        Assert.False(f.Broker.TryGetQueue("orders", out _));
        var recreated = await f.CreateQueueAsync("orders");
        Assert.Empty(recreated.Peek(SubQueue.Main, 1, 10));
    }
}
