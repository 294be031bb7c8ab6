namespace Ferry.Server.Http;

/// <summary>A dead-lettered message and the sequence number of its new copy in the queue.</summary>
internal sealed record ReplayedMessage(long DeadLetterSequenceNumber, long SequenceNumber);
