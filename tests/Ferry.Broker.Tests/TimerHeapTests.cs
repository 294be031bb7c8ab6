using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

/// <summary>
/// The entity's timer heap drops due times nothing will act on (completed messages' lock expiries, renewed locks' old
/// deadlines), so completed messages are not kept reachable until their old lock would have run out.
/// </summary>
public sealed class TimerHeapTests
{
    private const int Churn = 3 * QueueEntity.MinTimerCompaction;

    [Fact]
    public async Task CompletedMessages_WithAFiveMinuteLock_DoNotKeepTheirDueTimes()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { LockDuration = TimeSpan.FromMinutes(5) });

        await SendReceiveCompleteAsync(queue, Churn);

        // Before, every one of the 3,072 locks left its due time (and its message) in the heap for five minutes.
        Assert.InRange(queue.TimerCount, 0, QueueEntity.MinTimerCompaction);
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
    }

    [Fact]
    public async Task AHeldLock_StillExpiresOnTime_AfterCompactions()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { LockDuration = TimeSpan.FromSeconds(30) });
        var held = await HoldOneAsync(queue);

        await SendReceiveCompleteAsync(queue, Churn);
        f.Time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.True(queue.HoldsLock(held.Messages[0].LockToken));

        f.Time.Advance(TimeSpan.FromTicks(1));

        Assert.False(queue.HoldsLock(held.Messages[0].LockToken));
        Assert.Equal(1, queue.LockExpiries);
        var again = Assert.Single(queue.Peek(SubQueue.Main, 1, 10));
        Assert.Equal("held", BrokerFixture.Text(again));
    }

    [Fact]
    public async Task ARenewedLock_ExpiresAtItsNewDeadline_AfterTheOldOneWasCompactedAway()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { LockDuration = TimeSpan.FromSeconds(30) });
        var held = await HoldOneAsync(queue);
        var token = held.Messages[0].LockToken;

        f.Time.Advance(TimeSpan.FromSeconds(10));
        var until = queue.RenewLock(token);
        await SendReceiveCompleteAsync(queue, Churn);
        f.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(queue.HoldsLock(token));
        Assert.Equal(0, queue.LockExpiries);

        f.Time.Advance(until - f.Time.GetUtcNow());

        Assert.False(queue.HoldsLock(token));
        Assert.Equal(1, queue.LockExpiries);
    }

    [Fact]
    public async Task ARenewedSessionLock_ExpiresAtItsNewDeadline_AfterReleasedSessionsWereCompactedAway()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { RequiresSession = true, LockDuration = TimeSpan.FromSeconds(30) });
        var sink = new RecordingSink();
        using var held = await queue.AcceptSessionAsync("held", ReceiveMode.PeekLock, sink, TimeSpan.Zero);
        f.Time.Advance(TimeSpan.FromSeconds(10));
        var until = queue.RenewSessionLock("held");

        // Each accepted and released session leaves a due time that nothing will act on.
        for (var i = 0; i < Churn; i++)
        {
            using var session = await queue.AcceptSessionAsync($"s{i}", ReceiveMode.PeekLock, new RecordingSink(), TimeSpan.Zero);
        }

        Assert.InRange(queue.TimerCount, 0, QueueEntity.MinTimerCompaction);
        f.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Null(sink.ClosedWith);
        f.Time.Advance(until - f.Time.GetUtcNow());
        Assert.Equal(BrokerErrorCode.SessionLockLost, sink.ClosedWith?.Code);
    }

    /// <summary>Sends one message "held" and peek-locks it; the receiver goes away, the lock stays.</summary>
    private static async Task<RecordingSink> HoldOneAsync(QueueEntity queue)
    {
        await queue.SendAsync([BrokerFixture.Message("held")]);
        var held = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, held);
        receiver.AddCredit(1);
        await held.WaitForAsync(1);
        return held;
    }

    /// <summary>Sends <paramref name="count"/> messages, peek-locks them all and completes them all.</summary>
    private static async Task SendReceiveCompleteAsync(QueueEntity queue, int count)
    {
        for (var sent = 0; sent < count; sent += 512)
            await queue.SendAsync([.. Enumerable.Range(sent, Math.Min(512, count - sent)).Select(i => BrokerFixture.Message($"m{i}"))]);
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(count);
        await sink.WaitForAsync(count);
        await Task.WhenAll(sink.Messages.Select(m => queue.CompleteAsync(m.LockToken)));
    }
}
