using System.Diagnostics.Metrics;

namespace Ferry.Storage;

/// <summary>
/// What a store reports about its commits and health: each group commit (one transaction and one log sync) with the
/// batches and operations it carried and how long it took, and the last failure. <c>/metrics</c> observes
/// <see cref="Committed"/> into its histograms and <c>/health/ready</c> reads <see cref="Healthy"/>; the same figures are
/// published on the <c>Ferry</c> <see cref="Meter"/> for OpenTelemetry.
/// </summary>
public sealed class StoreStatistics
{
    /// <summary>The meter every Ferry component publishes on.</summary>
    public const string MeterName = "Ferry";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "ferry.store.commit.duration", "s", "Time to apply and sync one group commit of the store.");
    private static readonly Histogram<int> CommitBatchCount = Meter.CreateHistogram<int>(
        "ferry.store.commit.batches", "{batch}", "Batches merged into one group commit of the store.");

    private string? _lastError;
    private long _lastErrorTicks;
    private long _commits;
    private long _failedCommits;
    private int _lastFailed;
    private volatile bool _writerStopped;
    private long _checkpoints;
    private long _checkpointFailures;
    private string? _lastCheckpointError;

    /// <summary>
    /// Raised on the store's writer thread after each group commit that succeeded. Handlers must be quick and must not
    /// throw (the writer waits for them).
    /// </summary>
    public event Action<GroupCommit>? Committed;

    /// <summary>Group commits that succeeded since the store opened.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Group commits that failed as a whole (every batch in them faulted).</summary>
    public long FailedCommits => Interlocked.Read(ref _failedCommits);

    /// <summary>The message of the last failed commit, or null when none failed since the store opened.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>When the last commit failed (UTC ticks), or 0.</summary>
    public long LastErrorTicks => Interlocked.Read(ref _lastErrorTicks);

    /// <summary>True when the store can no longer commit (its writer stopped or it was disposed).</summary>
    public bool WriterStopped => _writerStopped;

    /// <summary>True when the last group commit succeeded (or none ran yet) and the writer runs.</summary>
    public bool Healthy => !_writerStopped && Volatile.Read(ref _lastFailed) == 0;

    public void RecordCommit(int batches, int operations, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _commits);
        Volatile.Write(ref _lastFailed, 0);
        CommitDuration.Record(elapsed.TotalSeconds);
        CommitBatchCount.Record(batches);
        Committed?.Invoke(new GroupCommit(batches, operations, elapsed));
    }

    public void RecordFailure(Exception error, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(error);
        Interlocked.Increment(ref _failedCommits);
        Volatile.Write(ref _lastError, error.Message);
        Interlocked.Exchange(ref _lastErrorTicks, utcNow.Ticks);
        Volatile.Write(ref _lastFailed, 1);
    }

    public void RecordWriterStopped() => _writerStopped = true;

    /// <summary>Checkpoints that copied the write-ahead log into the database file (0 for a store without a log).</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>
    /// Checkpoints that failed (an I/O error, say). Nothing acknowledged depends on them, but while they fail the log keeps
    /// growing: a rising count needs the disk looked at before commits start failing too.
    /// </summary>
    public long CheckpointFailures => Interlocked.Read(ref _checkpointFailures);

    /// <summary>The message of the last failed checkpoint, or null.</summary>
    public string? LastCheckpointError => Volatile.Read(ref _lastCheckpointError);

    public void RecordCheckpoint() => Interlocked.Increment(ref _checkpoints);

    public void RecordCheckpointFailure(string error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Interlocked.Increment(ref _checkpointFailures);
        Volatile.Write(ref _lastCheckpointError, error);
    }
}

/// <summary>One group commit: the callers' batches it carried, their write operations, and BEGIN-to-synced-COMMIT time.</summary>
public readonly record struct GroupCommit(int Batches, int Operations, TimeSpan Elapsed);
