namespace Ferry.Broker;

/// <summary>A settlement enlisted in a <see cref="BrokerTransaction"/>, applied when it commits.</summary>
/// <param name="Kind">Complete, abandon, defer or dead-letter.</param>
/// <param name="PropertiesToModify">Merged into the message's application properties (abandon, defer, dead-letter).</param>
/// <param name="DeadLetterReason">For dead-letter: the DeadLetterReason property.</param>
/// <param name="DeadLetterDescription">For dead-letter: the DeadLetterErrorDescription property.</param>
/// <param name="RetryAfter">For abandon: Ferry's abandon-with-delay extension.</param>
public sealed record Settlement(
    SettlementKind Kind,
    IReadOnlyDictionary<string, object?>? PropertiesToModify = null,
    string? DeadLetterReason = null,
    string? DeadLetterDescription = null,
    TimeSpan? RetryAfter = null);
