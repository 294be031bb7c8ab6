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

    public void OnDelivery(Receiver receiver, BrokerMessage message)
    {
        lock (_sync) _messages.Add(message);
    }

    public void OnClosed(Receiver receiver, BrokerException reason) => ClosedWith = reason;
}
