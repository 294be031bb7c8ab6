namespace Ferry.Jobs;

/// <summary>
/// One job in a batch: the payload, the delivery's details (as a single job's <see cref="JobContext{TPayload}"/>), its
/// priority and token estimate, and the outcome the handler gives it. Marking is thread-safe; the last mark wins.
/// </summary>
public sealed class BatchItem<TPayload>
{
    private volatile StrongBox? _outcome;

    internal BatchItem(JobContext<TPayload> context, int priority, long tokens)
    {
        Context = context;
        Priority = priority;
        Tokens = tokens;
    }

    public TPayload Payload => Context.Payload;

    public string JobId => Context.JobId;

    /// <summary>1-based, as for single jobs: the broker's delivery count plus one.</summary>
    public int Attempt => Context.Attempt;

    /// <summary>The application property <c>ferry-priority</c> given at submit, 0 when absent.</summary>
    public int Priority { get; }

    /// <summary>The estimator's figure for this item (0 without an estimator).</summary>
    public long Tokens { get; }

    /// <summary>All the delivery's details: attempt, message id, sequence number, properties.</summary>
    public JobContext<TPayload> Context { get; }

    public BatchItemStatus Status => _outcome?.Status ?? BatchItemStatus.Succeeded;

    public Exception? Error => _outcome?.Error;

    /// <summary>Fails this item's attempt: it is retried per the job type's <see cref="RetryPolicy"/>, like a single job.</summary>
    public void Fail(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        _outcome = new StrongBox(BatchItemStatus.Failed, error);
    }

    /// <summary>Dead-letters this item at once; the exception's type and message become DeadLetterReason and description.</summary>
    public void FailPermanently(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        _outcome = new StrongBox(BatchItemStatus.FailedPermanently, error);
    }

    /// <summary>Undoes a mark: the item succeeds.</summary>
    public void Succeed() => _outcome = null;

    private sealed record StrongBox(BatchItemStatus Status, Exception Error);
}
