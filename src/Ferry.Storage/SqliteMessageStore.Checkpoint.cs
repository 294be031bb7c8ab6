using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Ferry.Storage;

/// <summary>
/// Checkpoints off the writer's thread. SQLite's automatic checkpoint runs inside the commit that takes the log past
/// 1,000 pages: it copies the logged pages into the database file and syncs it, and every send waiting for that commit,
/// or queued behind it, waits for the copy and the extra sync too (about 1–2 ms, a little over once a second at 2,000
/// messages a second). Here the writer's connection does not checkpoint by itself; a connection of its own, on its own
/// thread, does the same passive checkpoint (it never blocks the writer or a reader) whenever the writer has logged
/// another 1,000 pages. The log starts over at the writer's next transaction once a checkpoint has caught up with it.
/// </summary>
/// <remarks>
/// <para>Durability is SQLite's own: a checkpoint syncs the log before copying and the database after, and a log that
/// starts over gets a new salt, so a crash at any point recovers every commit that was acknowledged.</para>
/// <para>Under a writer that never pauses a passive checkpoint does not catch up (each one copies what was logged when it
/// began, and the log can only start over once one has copied all of it). So when the log the checkpointer last saw holds
/// <see cref="InlineCheckpointPages"/> pages or more, the writer checkpoints between two groups itself, as SQLite would
/// have, after waiting for the checkpointer's round in progress (two checkpoints cannot run at once): with the writer
/// between transactions that one catches up, which bounds the log (a first version without the wait let the background
/// rounds keep the writer's checkpoint busy, and an unpaced run grew the log to 1.7 GB).</para>
/// </remarks>
public sealed partial class SqliteMessageStore
{
    /// <summary>Log pages written between two checkpoint requests: SQLite's own default for its automatic checkpoint.</summary>
    internal const int CheckpointPages = 1000;

    /// <summary>Log pages at which the writer checkpoints itself because the background ones did not catch up.</summary>
    internal const int InlineCheckpointPages = 2 * CheckpointPages;

    // A passive checkpoint that did not catch up is repeated at once a few times (each copies only what was logged since
    // the previous one began); beyond that, the next request tries again.
    private const int CheckpointRoundsPerRequest = 4;

    private const int SqliteDbStatusCacheWrite = 9;

    private readonly object _checkpointLock = new();
    // Held while a checkpoint runs on either connection, so that the writer's own waits for the background round instead of
    // failing busy.
    private readonly object _checkpointRunning = new();
    private readonly List<TaskCompletionSource<bool>> _checkpointWaiters = [];
    private bool _checkpointRequested;
    private bool _checkpointerStopping;
    private SqliteConnection? _checkpointConnection;
    private Thread? _checkpointer;

    private long _pagesSinceCheckpointRequest;
    private int _logPages;
    private long _backgroundCheckpoints;

    /// <summary>Background checkpoints run so far (each a passive checkpoint on the checkpointer's connection).</summary>
    internal long BackgroundCheckpoints => Interlocked.Read(ref _backgroundCheckpoints);

    /// <summary>Test hook: raised on the checkpointer's thread after each request it served; true when it caught up with the log.</summary>
    internal event Action<bool>? CheckpointServed;

    /// <summary>Test hook: asks the checkpointer for a checkpoint now; completes with true when it caught up with the log.</summary>
    internal Task<bool> CheckpointNowAsync()
    {
        var served = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        return RequestCheckpoint(served) ? served.Task : Task.FromException<bool>(new ObjectDisposedException(nameof(SqliteMessageStore)));
    }

    /// <summary>Turns off the writer connection's automatic checkpoint and starts the checkpointer on a connection of its own.</summary>
    private void StartCheckpointer()
    {
        Execute(_writeConnection, "PRAGMA wal_autocheckpoint = 0");
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            // The checkpoint syncs the log and the database exactly as the writer's connection would have.
            Execute(connection, SynchronousPragma(_options));
            Execute(connection, "PRAGMA wal_autocheckpoint = 0");
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _checkpointConnection = connection;
        _checkpointer = new Thread(RunCheckpointer) { IsBackground = true, Name = "Ferry.Storage checkpointer" };
        _checkpointer.Start();
    }

    /// <summary>Stops the checkpointer and closes its connection; the writer's connection, closed after it, checkpoints last.</summary>
    private void StopCheckpointer()
    {
        lock (_checkpointLock)
        {
            _checkpointerStopping = true;
            Monitor.Pulse(_checkpointLock);
        }

        _checkpointer?.Join();
        _checkpointConnection?.Dispose();
        _checkpointConnection = null;
        lock (_checkpointLock)
        {
            foreach (var waiter in _checkpointWaiters)
                waiter.TrySetException(new ObjectDisposedException(nameof(SqliteMessageStore)));
            _checkpointWaiters.Clear();
        }
    }

    /// <summary>
    /// On the writer's thread after each committed group: counts the log pages it wrote, asks for a checkpoint every
    /// <see cref="CheckpointPages"/>, and checkpoints itself when the log has grown to <see cref="InlineCheckpointPages"/>.
    /// </summary>
    private void AfterGroupCommitted()
    {
        raw.sqlite3_db_status(_writeConnection.Handle, SqliteDbStatusCacheWrite, out var written, out _, 1);
        _pagesSinceCheckpointRequest += written;
        if (_pagesSinceCheckpointRequest < CheckpointPages)
            return;
        _pagesSinceCheckpointRequest = 0;
        if (Volatile.Read(ref _logPages) >= InlineCheckpointPages)
        {
            // Between two groups the writer holds no transaction, so this checkpoint catches up (readers permitting).
            Checkpoint(_writeConnection, out _);
            return;
        }

        RequestCheckpoint(waiter: null);
    }

    /// <summary>Wakes the checkpointer (requests arriving while it works are served by one more round); false once it stopped.</summary>
    private bool RequestCheckpoint(TaskCompletionSource<bool>? waiter)
    {
        lock (_checkpointLock)
        {
            if (_checkpointerStopping)
                return false;
            if (waiter is not null)
                _checkpointWaiters.Add(waiter);
            _checkpointRequested = true;
            Monitor.Pulse(_checkpointLock);
            return true;
        }
    }

    private void RunCheckpointer()
    {
        var waiters = new List<TaskCompletionSource<bool>>();
        while (true)
        {
            lock (_checkpointLock)
            {
                while (!_checkpointRequested && !_checkpointerStopping)
                    Monitor.Wait(_checkpointLock);
                if (_checkpointerStopping)
                    return;
                _checkpointRequested = false;
                waiters.AddRange(_checkpointWaiters);
                _checkpointWaiters.Clear();
            }

            var caughtUp = false;
            for (var round = 0; round < CheckpointRoundsPerRequest && !caughtUp; round++)
            {
                if (Checkpoint(_checkpointConnection!, out caughtUp) != raw.SQLITE_OK)
                    break;
            }

            CheckpointServed?.Invoke(caughtUp);
            foreach (var waiter in waiters)
                waiter.TrySetResult(caughtUp);
            waiters.Clear();
        }
    }

    /// <summary>
    /// One passive checkpoint. Any failure leaves the log as it is, to be copied by a later checkpoint; nothing acknowledged
    /// depends on it. A failure other than busy (another checkpoint runs) is counted in <see cref="Statistics"/>, which
    /// <c>/metrics</c> exports: while checkpoints fail, the log grows.
    /// </summary>
    private int Checkpoint(SqliteConnection connection, out bool caughtUp)
    {
        int rc, logPages, copied;
        lock (_checkpointRunning)
            rc = raw.sqlite3_wal_checkpoint_v2(connection.Handle, "main", raw.SQLITE_CHECKPOINT_PASSIVE, out logPages, out copied);
        caughtUp = rc == raw.SQLITE_OK && copied >= logPages;
        if (rc == raw.SQLITE_OK)
        {
            // The writer's own checkpoint runs between its transactions: caught up, the log starts over with its next one.
            // The checkpointer's "caught up" only means it copied the log as it was when it began; the writer may have
            // added to it since, so its size is kept.
            var writers = ReferenceEquals(connection, _writeConnection);
            Volatile.Write(ref _logPages, caughtUp && writers ? 0 : logPages);
            if (!writers)
                Interlocked.Increment(ref _backgroundCheckpoints);
            Statistics.RecordCheckpoint();
        }
        else if (rc != raw.SQLITE_BUSY)
        {
            Statistics.RecordCheckpointFailure(
                $"A checkpoint of '{DatabasePath}' failed: {raw.sqlite3_errstr(rc).utf8_to_string()} (SQLite code {rc}).");
        }

        return rc;
    }
}
