namespace Ferry.Server.Http;

/// <summary>A dead-lettered message that was not replayed (it stays in the dead-letter queue) and why.</summary>
internal sealed record ReplayFailure(long DeadLetterSequenceNumber, string Detail);
