namespace Ferry.Broker;

/// <summary>An entity messages can be sent to: a queue or a topic.</summary>
public interface ISendTarget
{
    string Name { get; }

    /// <summary>Largest message the entity accepts, in bytes.</summary>
    long MaxMessageSize { get; }

    /// <summary>True for a topic: the wire layer then supplies <see cref="IncomingMessage.FilterView"/> for rule evaluation.</summary>
    bool EvaluatesRules { get; }

    /// <summary>Sender links attached to the entity now (for status pages).</summary>
    int SenderCount { get; }

    /// <summary>A wire layer attached (+1) or detached (-1) a sender link.</summary>
    void TrackSender(int delta);

    /// <summary>Sends one message or an atomic batch; durable when the task completes. Returns sequence numbers (0 for a dropped duplicate).</summary>
    Task<long[]> SendAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Cancels scheduled messages by sequence number; numbers not scheduled are ignored.</summary>
    Task CancelScheduledAsync(IReadOnlyList<long> sequenceNumbers, CancellationToken cancellationToken = default);
}
