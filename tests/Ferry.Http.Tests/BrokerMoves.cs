using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Http.Tests;

/// <summary>Drives the broker directly to put messages into states the tests need (locked, dead-lettered).</summary>
internal static class BrokerMoves
{
    /// <summary>Locks up to <paramref name="count"/> ready messages of a sub-queue; the receiver is left open.</summary>
    public static (Receiver Receiver, List<BrokerMessage> Messages) Lock(QueueEntity queue, int count, SubQueue subQueue = SubQueue.Main)
    {
        var sink = new Sink();
        var receiver = queue.CreateReceiver(subQueue, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(count);
        return (receiver, sink.Messages);
    }

    /// <summary>Dead-letters up to <paramref name="count"/> ready messages with a reason and description.</summary>
    public static async Task<List<BrokerMessage>> DeadLetterAsync(QueueEntity queue, int count, string reason = "BadInput", string description = "could not parse")
    {
        var (receiver, messages) = Lock(queue, count);
        receiver.Dispose();
        foreach (var message in messages)
            await queue.DeadLetterAsync(message.LockToken, reason, description);
        return messages;
    }

    private sealed class Sink : IDeliverySink
    {
        public List<BrokerMessage> Messages { get; } = [];

        public void OnDelivery(Receiver receiver, BrokerMessage message) => Messages.Add(message);

        public void OnClosed(Receiver receiver, BrokerException reason) { }
    }
}
