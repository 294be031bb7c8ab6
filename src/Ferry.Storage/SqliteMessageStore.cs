using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ferry.Storage;

/// <summary>
/// The embedded default engine: one SQLite database in write-ahead-log mode, written by a single writer thread that
/// group-commits every batch queued while its previous transaction was syncing.
/// </summary>
/// <remarks>
/// <para>A commit returns after the log is synced (<c>synchronous=FULL</c>) unless <see cref="SqliteStoreOptions.RelaxedDurability"/>
/// is set. Each batch of a group runs inside its own savepoint, so a batch that fails (a constraint violation, say) is rolled
/// back and faulted alone while the rest of its group commits. A failure of the group's transaction itself (I/O error, disk
/// full) faults every batch of that group; the store stays usable for later ones.</para>
/// <para>Bodies are read through a small pool of read-only connections, which WAL lets run beside the writer; checkpoints run
/// on a connection and thread of their own (<c>SqliteMessageStore.Checkpoint.cs</c>).</para>
/// <para>One store at a time may open a directory. Dispose it to drain queued commits and close the database.</para>
/// </remarks>
public sealed partial class SqliteMessageStore : IMessageStore
{
    /// <summary>The database file created in <see cref="SqliteStoreOptions.DataDirectory"/>.</summary>
    public const string DatabaseFileName = "ferry.db";

    // Reads are short; more idle connections than this only hold file handles and page caches.
    private const int MaxPooledReaders = 8;

    private readonly SqliteStoreOptions _options;
    private readonly string _readConnectionString;
    private readonly SqliteConnection _writeConnection;

    private readonly object _queueLock = new();
    private readonly Queue<PendingCommit> _queue = new();
    private bool _closing;

    private readonly Stack<SqliteReadConnection> _readers = new();
    private bool _readersClosed;
    private int _closed;

    private readonly ManualResetEventSlim _writerGate = new(initialState: true);
    private readonly Thread _writer;
    private readonly TaskCompletionSource _writerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SqliteMessageStore(SqliteStoreOptions options, string databasePath, SqliteConnection writeConnection)
    {
        _options = options;
        DatabasePath = databasePath;
        _writeConnection = writeConnection;
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString();

        try
        {
            PrepareWriteCommands();
            StartCheckpointer();
        }
        catch
        {
            // Finalize what was prepared, or closing the connection (Open does) would leave it open.
            StopCheckpointer();
            DisposeWriteCommands();
            throw;
        }

        _writer = new Thread(RunWriter) { IsBackground = true, Name = "Ferry.Storage writer" };
        _writer.Start();
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc/>
    public StoreStatistics Statistics { get; } = new();

    /// <summary>Opens (creating when missing) the durable store in <paramref name="dataDirectory"/> with default options.</summary>
    /// <exception cref="StoreException">The database cannot be opened, is not a Ferry database, or was written by a newer Ferry.</exception>
    public static SqliteMessageStore Open(string dataDirectory) => Open(new SqliteStoreOptions { DataDirectory = dataDirectory });

    /// <summary>Opens (creating when missing) the store described by <paramref name="options"/>.</summary>
    /// <remarks>The options are read once, here; later changes to the instance have no effect.</remarks>
    /// <exception cref="StoreException">The database cannot be opened, is not a Ferry database, or was written by a newer Ferry.</exception>
    public static SqliteMessageStore Open(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchOperations, 1);
        var snapshot = new SqliteStoreOptions
        {
            DataDirectory = Path.GetFullPath(options.DataDirectory),
            RelaxedDurability = options.RelaxedDurability,
            MaxBatchOperations = options.MaxBatchOperations,
            MessagesInRowIdTable = options.MessagesInRowIdTable,
            PageSize = options.PageSize,
        };

        var databasePath = Path.Combine(snapshot.DataDirectory, DatabaseFileName);
        SqliteConnection? connection = null;
        try
        {
            Directory.CreateDirectory(snapshot.DataDirectory);
            connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = databasePath,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false,
            }.ToString());
            connection.Open();
            InitializeDatabase(connection, snapshot);
            return new SqliteMessageStore(snapshot, databasePath, connection);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            connection?.Dispose();
            throw new StoreException($"Cannot open the message store at '{databasePath}': {ex.Message}", ex);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The batch joins the writer's queue at once; the cancellation token is observed only before that. A queued batch is
    /// committed or fails as a whole, so waiting for it is bounded by one group commit.
    /// </remarks>
    public ValueTask CommitAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled(cancellationToken);

        var pending = new PendingCommit(batch);
        lock (_queueLock)
        {
            if (_closing)
                return ValueTask.FromException(new ObjectDisposedException(nameof(SqliteMessageStore)));
            _queue.Enqueue(pending);
            Monitor.Pulse(_queueLock);
        }

        return new ValueTask(pending.Task);
    }

    /// <inheritdoc/>
    /// <remarks>Runs synchronously on the calling thread: a body read is one b-tree lookup, usually from the page cache.</remarks>
    public ValueTask<byte[]?> ReadBodyAsync(string entity, long sequenceNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<byte[]?>(cancellationToken);

        SqliteReadConnection reader;
        try
        {
            reader = RentReader();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or StoreException)
        {
            return ValueTask.FromException<byte[]?>(ex);
        }

        try
        {
            var body = reader.ReadBody(entity, sequenceNumber);
            ReturnReader(reader);
            return new ValueTask<byte[]?>(body);
        }
        catch (SqliteException ex)
        {
            // The connection's state after a failed step is unknown; do not give it to the next caller.
            reader.Dispose();
            return ValueTask.FromException<byte[]?>(
                new StoreException($"Cannot read the body of {entity} #{sequenceNumber.ToString(CultureInfo.InvariantCulture)}: {ex.Message}", ex));
        }
    }

    /// <summary>Stops accepting commits, waits until every queued batch is committed (or failed), then closes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_queueLock)
        {
            _closing = true;
            Monitor.PulseAll(_queueLock);
        }

        await _writerExited.Task.ConfigureAwait(false);
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;

        lock (_readers)
        {
            _readersClosed = true;
            while (_readers.TryPop(out var reader))
                reader.Dispose();
        }

        // Closed last so that SQLite, seeing the last connection go, checkpoints the log into the database and removes it.
        StopCheckpointer();
        DisposeWriteCommands();
        _writeConnection.Dispose();
        _writerGate.Dispose();
    }

    /// <summary>Test hook: the writer finishes its current group, then waits before taking the next one.</summary>
    internal void PauseWriter() => _writerGate.Reset();

    /// <summary>Test hook: lets a paused writer take everything queued meanwhile as one group.</summary>
    internal void ResumeWriter() => _writerGate.Set();

    private static void InitializeDatabase(SqliteConnection connection, SqliteStoreOptions options)
    {
        var version = ExecuteScalar<long>(connection, "PRAGMA user_version");
        if (version > SqliteSchema.Version)
        {
            throw new StoreException(
                $"The database was written by a newer Ferry (schema version {version.ToString(CultureInfo.InvariantCulture)}; this one knows {SqliteSchema.Version.ToString(CultureInfo.InvariantCulture)}).");
        }

        // page_size only takes effect on an empty database, and must be set before WAL mode is first entered.
        if (version == 0)
            Execute(connection, options.PageSize == 4096 ? "PRAGMA page_size = 4096" : "PRAGMA page_size = 8192");

        var journalMode = ExecuteScalar<string>(connection, "PRAGMA journal_mode = WAL");
        if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new StoreException($"The file system refused write-ahead-log mode (journal_mode is '{journalMode}').");

        Execute(connection, SynchronousPragma(options));
        // The writer touches mostly the right-hand edge of each b-tree; 32 MB keeps the inner pages of a large store cached.
        Execute(connection, "PRAGMA cache_size = -32768");
        Execute(connection, "PRAGMA temp_store = MEMORY");

        if (version == 0)
        {
            Execute(connection, "BEGIN IMMEDIATE");
            Execute(connection, SqliteSchema.Entities);
            Execute(connection, SqliteSchema.Sequences);
            Execute(connection, options.MessagesInRowIdTable ? SqliteSchema.MessagesRowId : SqliteSchema.MessagesClustered);
            Execute(connection, SqliteSchema.SessionStates);
            Execute(connection, SqliteSchema.Duplicates);
            Execute(connection, SqliteSchema.DuplicatesByExpiry);
            Execute(connection, SqliteSchema.Bodies);
            Execute(connection, SqliteSchema.MessagesBySharedBody);
            Execute(connection, "PRAGMA user_version = 2");
            Execute(connection, "COMMIT");
        }
        else if (version == 1)
        {
            Execute(connection, "BEGIN IMMEDIATE");
            Execute(connection, SqliteSchema.MigrateToVersion2);
            Execute(connection, SqliteSchema.Bodies);
            Execute(connection, SqliteSchema.MessagesBySharedBody);
            Execute(connection, "PRAGMA user_version = 2");
            Execute(connection, "COMMIT");
        }
    }

    /// <summary>What each durability mode means to SQLite; the writer's and the checkpointer's connections both use it.</summary>
    private static string SynchronousPragma(SqliteStoreOptions options) =>
        options.RelaxedDurability ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL";

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static T ExecuteScalar<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }

    private SqliteReadConnection RentReader()
    {
        lock (_readers)
        {
            ObjectDisposedException.ThrowIf(_readersClosed || Volatile.Read(ref _closing), this);
            if (_readers.TryPop(out var pooled))
                return pooled;
        }

        try
        {
            return new SqliteReadConnection(_readConnectionString);
        }
        catch (SqliteException ex)
        {
            throw new StoreException($"Cannot open a read connection to '{DatabasePath}': {ex.Message}", ex);
        }
    }

    private void ReturnReader(SqliteReadConnection reader)
    {
        lock (_readers)
        {
            if (!_readersClosed && _readers.Count < MaxPooledReaders)
            {
                _readers.Push(reader);
                return;
            }
        }

        reader.Dispose();
    }

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);
}
