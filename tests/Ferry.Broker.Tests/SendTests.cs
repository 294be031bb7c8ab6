using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

public sealed class SendTests
{
    [Fact]
    public async Task Send_FirstMessages_SequenceNumbersStartAtOneAndIncrease()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");

        var first = await queue.SendAsync([BrokerFixture.Message("a")]);
        var batch = await queue.SendAsync([BrokerFixture.Message("b"), BrokerFixture.Message("c")]);

        Assert.Equal([1L], first);
        Assert.Equal([2L, 3L], batch);
        Assert.Equal(3, queue.LastSequenceNumber);
    }

    [Fact]
    public async Task Send_WithoutMessageId_BrokerAssignsGuidId()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");

        await queue.SendAsync([BrokerFixture.Message("a"), BrokerFixture.Message("b", messageId: "given")]);
        var peeked = queue.Peek(SubQueue.Main, 1, 10);

        Assert.Matches("^[0-9a-f]{32}$", peeked[0].MessageId);
        Assert.Equal("given", peeked[1].MessageId);
    }

    [Fact]
    public async Task Send_RecordsEnqueuedTimeFromClock()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders");
        f.Time.Advance(TimeSpan.FromSeconds(42));

        await queue.SendAsync([BrokerFixture.Message("a")]);

        Assert.Equal(f.Time.GetUtcNow(), queue.Peek(SubQueue.Main, 1, 1)[0].EnqueuedTime);
    }

    [Fact]
    public async Task Send_BatchWithOneOversizedMessage_StoresNothingAndReportsSize()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { MaxMessageSizeInKilobytes = 1 });

        var ex = await Assert.ThrowsAsync<BrokerException>(() =>
            queue.SendAsync([BrokerFixture.Message("ok"), BrokerFixture.Message(new string('x', 1025))]));

        Assert.Equal(BrokerErrorCode.MessageSizeExceeded, ex.Code);
        Assert.Contains("1025", ex.Message);
        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(0, queue.LastSequenceNumber);
    }

    [Fact]
    public async Task Send_MessageOfExactlyMaxSize_IsAccepted()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { MaxMessageSizeInKilobytes = 1 });

        var sequence = await queue.SendAsync([BrokerFixture.Message(new string('x', 1024))]);

        Assert.Equal([1L], sequence);
    }

    [Fact]
    public async Task Send_BeyondMaxSizeInMegabytes_FailsWithQuotaExceeded()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { MaxSizeInMegabytes = 1, MaxMessageSizeInKilobytes = 1024 });
        await queue.SendAsync([BrokerFixture.Message(new string('x', 1024 * 1024 - 10))]);

        var ex = await Assert.ThrowsAsync<BrokerException>(() => queue.SendAsync([BrokerFixture.Message(new string('y', 11))]));

        Assert.Equal(BrokerErrorCode.QuotaExceeded, ex.Code);
        await queue.SendAsync([BrokerFixture.Message(new string('y', 10))]);
    }

    [Fact]
    public async Task Send_ToSessionQueueWithoutSessionId_FailsWithInvalidArgument()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("sessions", new QueueSettings { RequiresSession = true });

        var ex = await Assert.ThrowsAsync<BrokerException>(() => queue.SendAsync([BrokerFixture.Message("a")]));

        Assert.Equal(BrokerErrorCode.InvalidArgument, ex.Code);
        Assert.Contains("SessionId", ex.Message);
    }

    [Theory]
    [InlineData(EntityStatus.Disabled)]
    [InlineData(EntityStatus.SendDisabled)]
    public async Task Send_ToDisabledEntity_FailsWithEntityDisabled(EntityStatus status)
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { Status = status });

        var ex = await Assert.ThrowsAsync<BrokerException>(() => queue.SendAsync([BrokerFixture.Message("a")]));

        Assert.Equal(BrokerErrorCode.EntityDisabled, ex.Code);
    }

    [Fact]
    public async Task Send_DuplicateWithinWindow_IsDroppedAndAcknowledged()
    {
        await using var f = await BrokerFixture.StartAsync();
        var window = TimeSpan.FromSeconds(30);
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { RequiresDuplicateDetection = true, DuplicateDetectionHistoryTimeWindow = window });

        await queue.SendAsync([BrokerFixture.Message("first", messageId: "job-1")]);
        f.Time.Advance(window - TimeSpan.FromTicks(1));
        var duplicate = await queue.SendAsync([BrokerFixture.Message("again", messageId: "job-1")]);

        Assert.Equal([0L], duplicate);
        Assert.Single(queue.Peek(SubQueue.Main, 1, 10));

        f.Time.Advance(TimeSpan.FromTicks(1));
        var afterWindow = await queue.SendAsync([BrokerFixture.Message("later", messageId: "job-1")]);
        Assert.Equal([2L], afterWindow);
    }

    [Fact]
    public async Task Send_DuplicateInsideOneBatch_KeepsOnlyTheFirst()
    {
        await using var f = await BrokerFixture.StartAsync();
        var queue = await f.CreateQueueAsync("orders", new QueueSettings { RequiresDuplicateDetection = true });

        var sequence = await queue.SendAsync([BrokerFixture.Message("a", messageId: "x"), BrokerFixture.Message("b", messageId: "x")]);

        Assert.Equal([1L, 0L], sequence);
    }

    [Fact]
    public async Task Send_DuplicateAfterRestart_IsStillDetected()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.CreateQueueAsync("orders", new QueueSettings { RequiresDuplicateDetection = true });
        await f.Broker.GetQueue("orders").SendAsync([BrokerFixture.Message("a", messageId: "job-1")]);

        await f.RestartAsync();
        var again = await f.Broker.GetQueue("orders").SendAsync([BrokerFixture.Message("a", messageId: "job-1")]);

        Assert.Equal([0L], again);
    }
}
