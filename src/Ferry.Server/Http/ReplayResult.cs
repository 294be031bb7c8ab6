namespace Ferry.Server.Http;

/// <summary>What <c>POST /api/queues/{name}/deadletter/replay</c> did.</summary>
internal sealed record ReplayResult(
    int Replayed,
    int NotFound,
    int Failed,
    IReadOnlyList<ReplayedMessage> Messages,
    IReadOnlyList<long> NotFoundSequenceNumbers,
    IReadOnlyList<ReplayFailure> Failures);
