namespace Ferry.Storage;

/// <summary>A batch waiting for the writer, and the task its caller awaits.</summary>
/// <remarks>
/// Continuations run asynchronously so the writer thread completes a whole group without running callers' code inline.
/// </remarks>
internal sealed class PendingCommit(WriteBatch batch) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public WriteBatch Batch { get; } = batch;

    /// <summary>Why this batch failed, set while its group is applied; null when it was applied.</summary>
    public Exception? Error { get; set; }
}
