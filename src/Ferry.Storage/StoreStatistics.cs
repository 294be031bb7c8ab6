using System.Diagnostics.Metrics;

namespace Ferry.Storage;

/// <summary>
/// What a store reports about its commits and health: per group commit (one transaction and one log sync) the batches
/// and operations it carried and how long it took, and the last failure. Read by <c>/metrics</c> and <c>/health/ready</c>;
/// the same figures are published on the <c>Ferry</c> <see cref="Meter"/> for OpenTelemetry.
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
    private long _failedCommits;
    private volatile bool _writerStopped;

    /// <summary>Seconds from BEGIN to a synced COMMIT, per group commit.</summary>
    public BucketHistogram CommitSeconds { get; } = new(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5);

    /// <summary>Batches (callers' atomic units) per group commit.</summary>
    public BucketHistogram BatchesPerCommit { get; } = new(1, 2, 4, 8, 16, 32, 64, 128, 256, 512);

    /// <summary>Write operations (message inserts, updates, deletes, …) per group commit.</summary>
    public BucketHistogram OperationsPerCommit { get; } = new(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096);

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

    private int _lastFailed;

    public void RecordCommit(int batches, int operations, TimeSpan elapsed)
    {
        CommitSeconds.Record(elapsed.TotalSeconds);
        BatchesPerCommit.Record(batches);
        OperationsPerCommit.Record(operations);
        Volatile.Write(ref _lastFailed, 0);
        CommitDuration.Record(elapsed.TotalSeconds);
        CommitBatchCount.Record(batches);
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
}
