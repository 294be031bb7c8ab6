namespace Ferry.Jobs;

/// <summary>What a submit did: the job id, its queue, and whether it is waiting in the local store for the broker.</summary>
public sealed record JobReceipt(string JobId, string Queue, bool QueuedLocally);
