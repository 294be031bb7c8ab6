using System.Text;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

public sealed class SessionTests
{
    private static readonly QueueSettings SessionQueue = new() { RequiresSession = true, LockDuration = TimeSpan.FromSeconds(30) };

    private static async Task<(BrokerFixture F, QueueEntity Queue)> StartAsync()
    {
        var f = await BrokerFixture.StartAsync();
        return (f, await f.CreateQueueAsync("sessions", SessionQueue));
    }

    [Fact]
    public async Task AcceptNamedSession_GetsOnlyThatSessionsMessagesInOrder()
    {
        var (f, queue) = await StartAsync();
        await using var _ = f;
        await queue.SendAsync([BrokerFixture.Message("a1", sessionId: "a"), BrokerFixture.Message("b1", sessionId: "b"), BrokerFixture.Message("a2", sessionId: "a")]);
        var sink = new RecordingSink();

        using var receiver = await queue.AcceptSessionAsync("a", ReceiveMode.PeekLock, sink, TimeSpan.Zero);
        receiver.AddCredit(10);

        Assert.Equal("a", receiver.SessionId);
        Assert.Equal(f.Time.GetUtcNow() + TimeSpan.FromSeconds(30), receiver.SessionLockedUntil);
        Assert.Equal(["a1", "a2"], sink.Messages.Select(BrokerFixture.Text));
    }

    [Fact]
    public async Task AcceptNextSession_TwoAcceptors_EachGetsADifferentSession()
    {
        var (f, queue) = await StartAsync();
        await using var _ = f;
        await queue.SendAsync([BrokerFixture.Message("a1", sessionId: "a"), BrokerFixture.Message("b1", sessionId: "b")]);

        using var first = await queue.AcceptSessionAsync(null, ReceiveMode.PeekLock, new RecordingSink(), TimeSpan.FromSeconds(5));
        using var second = await queue.AcceptSessionAsync(null, ReceiveMode.PeekLock, new RecordingSink(), TimeSpan.FromSeconds(5));

        Assert.Equal(["a", "b"], new[] { first.SessionId!, second.SessionId! }.Order());
    }

    [Fact]
    public async Task AcceptNextSession_NoneAvailable_CompletesWhenAMessageArrives()
    {
        var (f, queue) = await StartAsync();
        await using var _ = f;
        var sink = new RecordingSink();

        var accepting = queue.AcceptSessionAsync(null, ReceiveMode.PeekLock, sink, TimeSpan.FromMinutes(1));
        Assert.False(accepting.IsCompleted);
        await queue.SendAsync([BrokerFixture.Message("late", sessionId: "s1")]);
        using var receiver = await accepting;
        receiver.AddCredit(1);

        Assert.Equal("s1", receiver.SessionId);
        Assert.Equal("late", BrokerFixture.Text(Assert.Single(sink.Messages)));
    }

    [Fact]
    public async Task AcceptNextSession_NoneAvailable_TimesOutAtExactDeadline()
    {
        var (f, queue) = await StartAsync();
        await using var _ = f;

        var accepting = queue.AcceptSessionAsync(null, ReceiveMode.PeekLock, new RecordingSink(), TimeSpan.FromSeconds(10));
        f.Time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.False(accepting.IsCompleted);
        f.Time.Advance(TimeSpan.FromTicks(1));

        var ex = await Assert.ThrowsAsync<BrokerException>(() => accepting);
        Assert.Equal(BrokerErrorCode.Timeout, ex.Code);
    }

    [Fact]
    public async Task AcceptNamedSession_LockedElsewhere_FailsWithSessionCannotBeLocked()
    {
        var (f, queue) = await StartAsync();
        await using var _ = f;
        using var holder = await queue.AcceptSessionAsync("a", ReceiveMode.PeekLock, new RecordingSink(), TimeSpan.Zero);

        var ex = await Assert.ThrowsAsync<BrokerException>(() => queue.AcceptSessionAsync("a", ReceiveMode.PeekLock, new RecordingSink(), TimeSpan.Zero));

        Assert.Equal(BrokerErrorCode.SessionCannotBeLocked, ex.Code);
    }

    [Fact]
    public async Task SessionLock_ExpiresAtLockDuration_ReceiverClosedAndMessageReturnsWithCount()
    {
        var (f, queue) = await StartAsync();
        await using var _ = f;
        await queue.SendAsync([BrokerFixture.Message("m", sessionId: "a")]);
        var sink = new RecordingSink();
        using var receiver = await queue.AcceptSessionAsync("a", ReceiveMode.PeekLock, sink, TimeSpan.Zero);
        receiver.AddCredit(1);

        f.Time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Null(sink.ClosedWith);
        f.Time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(BrokerErrorCode.SessionLockLost, sink.ClosedWith?.Code);
        var ex = await Assert.ThrowsAsync<BrokerException>(() => queue.CompleteAsync(sink.Messages[0].LockToken));
        Assert.Equal(BrokerErrorCode.SessionLockLost, ex.Code);
        var again = new RecordingSink();
        using var next = await queue.AcceptSessionAsync("a", ReceiveMode.PeekLock, again, TimeSpan.Zero);
        next.AddCredit(1);
        Assert.Equal(1, Assert.Single(again.Messages).DeliveryCount);
    }

    [Fact]
    public async Task RenewSessionLock_ExtendsFromNow()
    {
        var (f, queue) = await StartAsync();
        await using var _ = f;
        var sink = new RecordingSink();
        using var receiver = await queue.AcceptSessionAsync("a", ReceiveMode.PeekLock, sink, TimeSpan.Zero);

        f.Time.Advance(TimeSpan.FromSeconds(20));
        var until = queue.RenewSessionLock("a");
        f.Time.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(f.Time.GetUtcNow() + TimeSpan.FromSeconds(10), until);
        Assert.Null(sink.ClosedWith);
    }

    [Fact]
    public async Task SessionState_SetThenRestart_IsKept()
    {
        var (f, queue) = await StartAsync();
        await using var _ = f;
        using (await queue.AcceptSessionAsync("a", ReceiveMode.PeekLock, new RecordingSink(), TimeSpan.Zero))
            await queue.SetSessionStateAsync("a", Encoding.UTF8.GetBytes("step-2"));

        await f.RestartAsync();
        var recovered = f.Broker.GetQueue("sessions");
        using var receiver = await recovered.AcceptSessionAsync("a", ReceiveMode.PeekLock, new RecordingSink(), TimeSpan.Zero);

        Assert.Equal("step-2", Encoding.UTF8.GetString(recovered.GetSessionState("a")!));
    }

    [Fact]
    public async Task SessionState_WithoutHoldingTheSession_FailsWithSessionLockLost()
    {
        var (f, queue) = await StartAsync();
        await using var _ = f;

        var ex = Assert.Throws<BrokerException>(() => queue.GetSessionState("nobody"));

        Assert.Equal(BrokerErrorCode.SessionLockLost, ex.Code);
    }

    [Fact]
    public async Task PlainReceiver_OnSessionQueue_FailsWithInvalidOperation()
    {
        var (f, queue) = await StartAsync();
        await using var _ = f;

        var ex = Assert.Throws<BrokerException>(() => queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, new RecordingSink()));

        Assert.Equal(BrokerErrorCode.InvalidOperation, ex.Code);
    }

    [Fact]
    public async Task SessionReceiverClosed_SessionGoesToWaitingAcceptor()
    {
        var (f, queue) = await StartAsync();
        await using var _ = f;
        await queue.SendAsync([BrokerFixture.Message("m", sessionId: "a")]);
        var holder = await queue.AcceptSessionAsync("a", ReceiveMode.PeekLock, new RecordingSink(), TimeSpan.Zero);
        var waiting = queue.AcceptSessionAsync(null, ReceiveMode.PeekLock, new RecordingSink(), TimeSpan.FromMinutes(1));
        Assert.False(waiting.IsCompleted);

        holder.Dispose();

        using var next = await waiting;
        Assert.Equal("a", next.SessionId);
    }
}
