namespace Ferry.Storage;

/// <summary>A batch waiting for the writer, and the task its caller awaits.</summary>
/// <remarks>
/// The writer never runs callers' code: it hands each finished group to one thread-pool work item
/// (<see cref="CompleteOnThreadPool"/>), which completes the group's batches in commit order and runs their continuations
/// inline, one after the other. One wake-up per group instead of one per batch, and a group's continuations (a send
/// indexing its message under its entity's lock, say) follow each other instead of contending for the same locks.
/// </remarks>
internal sealed class PendingCommit(WriteBatch batch) : TaskCompletionSource, IThreadPoolWorkItem
{
    // The rest of the group, linked for the completing work item (no list to allocate per group); on the group's first
    // batch, what to call once the whole group is completed.
    private PendingCommit? _next;
    private Action? _groupCompleted;

    public WriteBatch Batch { get; } = batch;

    /// <summary>Why this batch failed, set while its group is applied; null when it was applied.</summary>
    public Exception? Error { get; set; }

    /// <summary>
    /// Completes every batch of <paramref name="group"/> on one thread-pool thread, in order: successfully when its
    /// <see cref="Error"/> is null, faulted with it otherwise; then calls <paramref name="groupCompleted"/>. The caller may
    /// reuse the list at once. The group must not be empty.
    /// </summary>
    public static void CompleteOnThreadPool(List<PendingCommit> group, Action groupCompleted)
    {
        for (var i = 0; i < group.Count - 1; i++)
            group[i]._next = group[i + 1];
        group[0]._groupCompleted = groupCompleted;
        ThreadPool.UnsafeQueueUserWorkItem(group[0], preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        var groupCompleted = _groupCompleted;
        _groupCompleted = null;
        var pending = this;
        while (pending is not null)
        {
            var next = pending._next;
            pending._next = null;
            if (pending.Error is null)
                pending.TrySetResult();
            else
                pending.TrySetException(pending.Error);
            pending = next;
        }
        groupCompleted?.Invoke();
    }
}
