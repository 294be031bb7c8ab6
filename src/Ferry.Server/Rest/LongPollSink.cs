using Ferry.Broker;

namespace Ferry.Server.Rest;

/// <summary>
/// The delivery sink of one long-polling request: a receiver with credit 1 whose single delivery (or closure) completes
/// a task. Called under the entity's lock, so it only completes the task.
/// </summary>
internal sealed class LongPollSink : IDeliverySink
{
    private readonly TaskCompletionSource<BrokerMessage> _delivered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the delivered message, or fails with the broker's reason when the receiver was closed.</summary>
    public Task<BrokerMessage> Delivered => _delivered.Task;

    public void OnDelivery(Receiver receiver, BrokerMessage message) => _delivered.TrySetResult(message);

    public void OnClosed(Receiver receiver, BrokerException reason) => _delivered.TrySetException(reason);
}
