using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

public sealed class TimeTests
{
    [Fact]
    public async Task Ttl_ExpiredWithDeadLettering_MovesToDeadLetterAtExactExpiry()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { DeadLetteringOnMessageExpiration = true });
        await queue.SendAsync([BrokerFixture.Message("a", ttl: TimeSpan.FromSeconds(5))]);

        f.Time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.Single(queue.Peek(SubQueue.Main, 1, 10));

        f.Time.Advance(TimeSpan.FromTicks(1));
        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
        var dead = Assert.Single(queue.Peek(SubQueue.DeadLetter, 1, 10));
        Assert.Equal(DeadLetterReasons.TtlExpired, dead.PropertyOverrides![DeadLetterReasons.ReasonProperty]);
    }

    [Fact]
    public async Task Ttl_ExpiredWithoutDeadLettering_IsDropped()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([BrokerFixture.Message("a", ttl: TimeSpan.FromSeconds(5))]);

        f.Time.Advance(TimeSpan.FromSeconds(5));

        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
        Assert.Empty(queue.Peek(SubQueue.DeadLetter, 1, 10));
    }

    [Fact]
    public async Task Ttl_LongerThanEntityDefault_IsCappedByDefault()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { DefaultMessageTimeToLive = TimeSpan.FromSeconds(10) });
        await queue.SendAsync([BrokerFixture.Message("a", ttl: TimeSpan.FromHours(1)), BrokerFixture.Message("b")]);

        Assert.All(queue.Peek(SubQueue.Main, 1, 10), m => Assert.Equal(f.Time.GetUtcNow().AddSeconds(10), m.ExpiresAt));
        f.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
    }

    [Fact]
    public async Task Ttl_MessageExpiredWhileLocked_IsNotRedeliveredAfterLockExpiry()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { LockDuration = TimeSpan.FromSeconds(30), DeadLetteringOnMessageExpiration = true });
        await queue.SendAsync([BrokerFixture.Message("a", ttl: TimeSpan.FromSeconds(5))]);
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(2);

        f.Time.Advance(TimeSpan.FromSeconds(30));

        Assert.Single(sink.Messages);
        Assert.Single(queue.Peek(SubQueue.DeadLetter, 1, 10));
    }

    [Fact]
    public async Task Scheduled_GetsSequenceNumberAtOnce_BecomesActiveAtItsTime()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        var at = f.Time.GetUtcNow().AddMinutes(5);
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1);

        var sequence = await queue.SendAsync([BrokerFixture.Message("later", scheduled: at)]);
        Assert.Equal([1L], sequence);
        Assert.Equal(MessageState.Scheduled, queue.Peek(SubQueue.Main, 1, 1)[0].State);
        Assert.Equal(1, queue.GetRuntimeProperties().ScheduledMessageCount);

        f.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.Empty(sink.Messages);

        f.Time.Advance(TimeSpan.FromTicks(1));
        var delivered = Assert.Single(sink.Messages);
        Assert.Equal(MessageState.Active, delivered.State);
        Assert.Equal(at, delivered.EnqueuedTime);
    }

    [Fact]
    public async Task CancelScheduled_MessageNeverArrives()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        var sequence = await queue.SendAsync([BrokerFixture.Message("later", scheduled: f.Time.GetUtcNow().AddMinutes(5))]);
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1);

        await queue.CancelScheduledAsync(sequence);
        f.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Empty(sink.Messages);
        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(0, queue.GetRuntimeProperties().ScheduledMessageCount);
    }
}
