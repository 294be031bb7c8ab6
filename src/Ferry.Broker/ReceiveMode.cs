namespace Ferry.Broker;

/// <summary>How a receiver takes messages.</summary>
public enum ReceiveMode
{
    /// <summary>Messages are locked and must be settled (complete, abandon, defer, dead-letter).</summary>
    PeekLock = 0,

    /// <summary>Messages are removed as they are handed out.</summary>
    ReceiveAndDelete = 1,
}
