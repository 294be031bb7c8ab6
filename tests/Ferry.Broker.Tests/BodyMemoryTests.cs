using System.Text;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Tests;

/// <summary>Bodies kept in memory against the broker's budget; beyond it they are read back from the store.</summary>
public sealed class BodyMemoryTests
{
    private static IncomingMessage Kilobyte(char fill) => new() { Body = Encoding.UTF8.GetBytes(new string(fill, 1024)) };

    [Fact]
    public async Task PastTheBudget_NewMessagesKeepNoBody_AndDeliverTheirStoredBody()
    {
        // Room for two 1 KB bodies: the third message is stored but not kept in memory.
        await using var f = await BrokerFixture.StartAsync(new BrokerOptions { MessageBodyMemoryBytes = 2600 });
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([Kilobyte('a'), Kilobyte('b'), Kilobyte('c')]);
        Assert.Equal(2048, f.Broker.MessageBodyMemoryBytes);

        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(3);

        Assert.Equal([true, true, false], sink.Messages.Select(m => m.IsBodyLoaded));
        var third = await queue.LoadBodyAsync(sink.Messages[2]);
        Assert.Equal(new string('c', 1024), Encoding.UTF8.GetString(third!.Value.Span));
        // Reading it back does not cache it past the budget.
        Assert.Equal(2048, f.Broker.MessageBodyMemoryBytes);

        await queue.CompleteAsync(sink.Messages[0].LockToken);
        Assert.Equal(1024, f.Broker.MessageBodyMemoryBytes);
        await queue.CompleteAsync(sink.Messages[1].LockToken);
        await queue.CompleteAsync(sink.Messages[2].LockToken);
        Assert.Equal(0, f.Broker.MessageBodyMemoryBytes);
    }

    [Fact]
    public async Task ZeroBudget_KeepsNoBody_AndDeletingTheQueueGivesNothingBack()
    {
        await using var f = await BrokerFixture.StartAsync(new BrokerOptions { MessageBodyMemoryBytes = 0 });
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([Kilobyte('a')]);

        var peeked = Assert.Single(queue.Peek(SubQueue.Main, 0, 10));
        Assert.False(peeked.IsBodyLoaded);
        Assert.Equal(new string('a', 1024), Encoding.UTF8.GetString((await queue.LoadBodyAsync(peeked))!.Value.Span));
        Assert.Equal(0, f.Broker.MessageBodyMemoryBytes);
    }

    [Fact]
    public async Task DeletingAQueue_GivesItsBodiesBytesBack()
    {
        await using var f = await BrokerFixture.StartAsync(new BrokerOptions { MessageBodyMemoryBytes = 10_000 });
        var queue = await f.CreateQueueAsync("orders");
        await queue.SendAsync([Kilobyte('a'), Kilobyte('b')]);
        var other = await f.CreateQueueAsync("other");
        await other.SendAsync([Kilobyte('x')]);
        Assert.Equal(3072, f.Broker.MessageBodyMemoryBytes);

        await f.Broker.DeleteQueueAsync("orders");

        Assert.Equal(1024, f.Broker.MessageBodyMemoryBytes);
    }

    [Fact]
    public async Task ALargeBody_IsNeverKept_EvenWithRoomInTheBudget()
    {
        await using var f = await BrokerFixture.StartAsync(new BrokerOptions { MessageBodyMemoryBytes = 100L * 1024 * 1024 });
        var queue = await f.CreateQueueAsync("orders");
        var large = new byte[BodyMemory.LargestKeptBytes + 1];
        large.AsSpan().Fill(7);
        await queue.SendAsync([new IncomingMessage { Body = large }, Kilobyte('s')]);

        Assert.Equal(1024, f.Broker.MessageBodyMemoryBytes);
        var peeked = queue.Peek(SubQueue.Main, 0, 10);
        Assert.Equal([false, true], peeked.Select(m => m.IsBodyLoaded));
        Assert.Equal(large, (await queue.LoadBodyAsync(peeked[0]))!.Value.ToArray());
    }

    [Fact]
    public async Task ALargeBody_SentToAWaitingReceiver_IsDeliveredFromMemory_AndStillNotKept()
    {
        await using var f = await BrokerFixture.StartAsync(new BrokerOptions { MessageBodyMemoryBytes = 100L * 1024 * 1024 });
        var queue = await f.CreateQueueAsync("orders");
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1);
        var large = new byte[BodyMemory.LargestKeptBytes * 2];
        large.AsSpan().Fill(7);

        await queue.SendAsync([new IncomingMessage { Body = large }, new IncomingMessage { Body = large }]);

        // The first went to the waiting receiver with its body; the second waits in the queue without one.
        var delivered = Assert.Single(sink.Messages);
        Assert.True(delivered.IsBodyLoaded);
        Assert.Equal(large, delivered.Body.ToArray());
        var waiting = Assert.Single(queue.Peek(SubQueue.Main, delivered.SequenceNumber + 1, 10));
        Assert.False(waiting.IsBodyLoaded);
        Assert.Equal(0, f.Broker.MessageBodyMemoryBytes);

        receiver.AddCredit(1);
        await queue.CompleteAsync(delivered.LockToken);
        var second = sink.Messages[1];
        Assert.False(second.IsBodyLoaded);
        Assert.Equal(large, (await queue.LoadBodyAsync(second))!.Value.ToArray());
        await queue.CompleteAsync(second.LockToken);
        Assert.Equal(0, f.Broker.MessageBodyMemoryBytes);
    }

    [Fact]
    public async Task PastTheBudget_AWaitingReceiveAndDeleteReceiver_TakesTheBody_AndTheBudgetStaysBalanced()
    {
        await using var f = await BrokerFixture.StartAsync(new BrokerOptions { MessageBodyMemoryBytes = 0 });
        var queue = await f.CreateQueueAsync("orders");
        var sink = new RecordingSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.ReceiveAndDelete, sink);
        receiver.AddCredit(2);

        await queue.SendAsync([Kilobyte('a'), Kilobyte('b')]);

        Assert.Equal(["a", "b"], sink.Messages.Select(m => FirstChar(m)));
        Assert.All(sink.Messages, m => Assert.True(m.IsBodyLoaded));
        // Removed in the pass that published them: nothing was counted, so nothing is given back either.
        Assert.Equal(0, f.Broker.MessageBodyMemoryBytes);
        Assert.Empty(queue.Peek(SubQueue.Main, 0, 10));

        // A later message with a budget now too small still fits nothing in and gives nothing back.
        await queue.SendAsync([Kilobyte('c')]);
        Assert.Equal(0, f.Broker.MessageBodyMemoryBytes);
    }

    private static string FirstChar(BrokerMessage message) => Encoding.UTF8.GetString(message.Body.Span[..1]);
}
