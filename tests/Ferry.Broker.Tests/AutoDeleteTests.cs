using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

/// <summary>AutoDeleteOnIdle on the fake clock: the idle window, what counts as activity, and what keeps an entity alive.</summary>
public sealed class AutoDeleteTests
{
    private static readonly QueueSettings FiveMinutes = new() { AutoDeleteOnIdle = TimeSpan.FromMinutes(5) };

    [Fact]
    public async Task IdleQueue_IsDeletedOnceIdleForItsWindow_ASendRestartsTheWindow()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("idle", FiveMinutes);
        await f.CreateQueueAsync("forever");

        f.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await f.Broker.SweepIdleAsync());
        await queue.SendAsync([BrokerFixture.Message("keeps it alive")]);
        f.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await f.Broker.SweepIdleAsync());
        Assert.True(f.Broker.TryGetQueue("idle", out _));

        // The sweep timer may delete it during Advance; the sweep awaited here waits for that one and sweeps again.
        f.Time.Advance(TimeSpan.FromMinutes(1));
        await f.Broker.SweepIdleAsync();
        Assert.False(f.Broker.TryGetQueue("idle", out _));
        Assert.True(f.Broker.TryGetQueue("forever", out _));

        await f.RestartAsync(); // the deletion is durable
        Assert.False(f.Broker.TryGetQueue("idle", out _));
    }

    [Fact]
    public async Task IdleQueue_WithAReceiverAttached_IsKept()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("watched", FiveMinutes);
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, new RecordingSink());

        f.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await f.Broker.SweepIdleAsync());
        Assert.True(f.Broker.TryGetQueue("watched", out _));
    }

    [Fact]
    public async Task IdleSubscription_IsDeleted_TheTopicAndItsOtherSubscriptionsStay()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.Broker.CreateTopicAsync("events", new TopicSettings());
        await f.Broker.CreateSubscriptionAsync("events", "temporary", FiveMinutes);
        await f.Broker.CreateSubscriptionAsync("events", "durable", new QueueSettings());

        f.Time.Advance(TimeSpan.FromMinutes(5));
        await f.Broker.SweepIdleAsync();

        Assert.Equal(["events/Subscriptions/durable"], f.Broker.GetTopic("events").Subscriptions.Select(s => s.Name));
    }

    [Fact]
    public async Task TheSweepTimer_RunsOnTheBrokersClock()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.CreateQueueAsync("timed", FiveMinutes);

        f.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.NotNull(f.Broker.LastTimerSweep); // the timer fired on the fake clock...
        Assert.Equal(0, await f.Broker.LastTimerSweep!); // ...too early to delete anything

        // Sweeps run one at a time: once the last one the timer started is done, so is the one that found the queue idle.
        f.Time.Advance(TimeSpan.FromMinutes(1) + FerryBroker.IdleSweepInterval);
        await f.Broker.LastTimerSweep!;
        Assert.False(f.Broker.TryGetQueue("timed", out _));
    }

    [Fact]
    public void AutoDeleteOnIdle_UnderFiveMinutes_IsRefusedNamingTheMinimum()
    {
        var problem = new QueueSettings { AutoDeleteOnIdle = TimeSpan.FromMinutes(4) }.Validate();

        Assert.NotNull(problem);
        Assert.Equal("AutoDeleteOnIdle", problem.Value.Property);
        Assert.Contains("00:05:00", problem.Value.Message, StringComparison.Ordinal);
    }
}
