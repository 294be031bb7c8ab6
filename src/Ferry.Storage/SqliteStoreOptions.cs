namespace Ferry.Storage;

/// <summary>Settings of the embedded <see cref="SqliteMessageStore"/>.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The directory holding the database (<c>ferry.db</c> and its <c>-wal</c>/<c>-shm</c> files); created when missing.</summary>
    /// <remarks>Defaults to <c>ferry-data</c> relative to the working directory. One store at a time may use a directory.</remarks>
    public string DataDirectory { get; set; } = "ferry-data";

    /// <summary>
    /// NOT DURABLE ON POWER LOSS. When true the write-ahead log is synced only at checkpoints (<c>synchronous=NORMAL</c>), so a
    /// commit returns before its data reaches stable storage: a killed process still loses nothing, but an operating-system
    /// crash or power cut may lose the last acknowledged commits (never corrupt the database). Default false: every commit
    /// returns after the log is synced (<c>synchronous=FULL</c>).
    /// </summary>
    public bool RelaxedDurability { get; set; }

    /// <summary>
    /// Upper bound on the operations the writer applies in one group-commit transaction; default 16,384. A single batch larger
    /// than this is still applied whole (batches are never split); the bound only stops the writer from adding more batches to
    /// a group, which keeps one sync's worth of work, and the latency of the batches waiting behind it, bounded.
    /// </summary>
    public int MaxBatchOperations { get; set; } = 16_384;

    /// <summary>Benchmark switch: store messages in a rowid table with a separate (entity, seq) index instead of a clustered WITHOUT ROWID table.</summary>
    internal bool MessagesInRowIdTable { get; set; }

    /// <summary>Page size of a newly created database; ignored for an existing one.</summary>
    internal int PageSize { get; set; } = 8192;
}
