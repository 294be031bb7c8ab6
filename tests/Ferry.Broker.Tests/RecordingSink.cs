using Ferry.Broker;

namespace Ferry.Broker.Tests;

/// <summary>A delivery sink that records what it was given.</summary>
internal sealed class RecordingSink : IDeliverySink
{
    private readonly Lock _sync = new();
    private readonly List<BrokerMessage> _messages = [];

    public BrokerException? ClosedWith { get; private set; }

    public IReadOnlyList<BrokerMessage> Messages
    {
        get { lock (_sync) return [.. _messages]; }
    }

    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

    public void OnDelivery(Receiver receiver, BrokerMessage message)
    {
        lock (_sync)
        {
            _messages.Add(message);
            _waiters.RemoveAll(w =>
            {
                if (_messages.Count < w.Count)
                    return false;
                w.Done.TrySetResult();
                return true;
            });
        }
    }

    /// <summary>Completes once <paramref name="count"/> messages were delivered (for deliveries made by background work).</summary>
    public Task WaitForAsync(int count)
    {
        lock (_sync)
        {
            if (_messages.Count >= count)
                return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public void OnClosed(Receiver receiver, BrokerException reason) => ClosedWith = reason;
}
