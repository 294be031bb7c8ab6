using Microsoft.Data.Sqlite;

namespace Ferry.Storage.Tests;

/// <summary>What is particular to the SQLite engine: the file, WAL, group commit, schema versioning.</summary>
public sealed class SqliteMessageStoreTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ferry-storage-tests", Guid.NewGuid().ToString("N"));
    private readonly List<SqliteMessageStore> _opened = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
            await store.DisposeAsync();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Open_NewDirectory_CreatesDatabaseInWalMode()
    {
        var store = Open();
        await store.CommitAsync(new WriteBatch().InsertMessage(Message(1)));

        Assert.Equal(Path.Combine(_directory, "ferry.db"), store.DatabasePath);
        Assert.True(File.Exists(store.DatabasePath));
        Assert.Equal("wal", Scalar("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task SharedBody_StoredOnce_GoneWithTheLastMessageThatSharesIt()
    {
        var store = Open();
        var body = new byte[2048];
        await store.CommitAsync(new WriteBatch()
            .PutBody("t", 1, body)
            .InsertMessage(new StoredMessage { Entity = "t/subscriptions/a", SequenceNumber = 1, SharedBodyOwner = "t", BodyLength = body.Length })
            .InsertMessage(new StoredMessage { Entity = "t/subscriptions/b", SequenceNumber = 1, SharedBodyOwner = "t", BodyLength = body.Length }));
        Assert.Equal(1L, Scalar("SELECT count(*) FROM bodies"));
        Assert.Equal(0L, Scalar("SELECT sum(length(body)) FROM messages"));

        await store.CommitAsync(new WriteBatch().DeleteMessage("t/subscriptions/a", 1));
        Assert.Equal(1L, Scalar("SELECT count(*) FROM bodies"));
        await store.CommitAsync(new WriteBatch().DeleteMessage("t/subscriptions/b", 1));
        Assert.Equal(0L, Scalar("SELECT count(*) FROM bodies"));
    }

    [Fact]
    public async Task Reopen_AfterDispose_SeesAllAcknowledgedData()
    {
        var store = Open();
        var producers = new Task[8];
        for (var p = 0; p < producers.Length; p++)
        {
            var first = p * 100;
            producers[p] = Task.Run(async () =>
            {
                for (var i = 1; i <= 100; i++)
                    await store.CommitAsync(new WriteBatch().InsertMessage(Message(first + i)));
            });
        }

        await Task.WhenAll(producers);
        await store.DisposeAsync();

        // Read the file with a connection of our own first: the data is in the database, not only in a store's memory.
        Assert.Equal(800L, Scalar("SELECT count(*) FROM messages"));
        Assert.Equal(800L, Scalar("SELECT last_seq FROM sequences WHERE entity = 'q'"));

        await using var reopened = SqliteMessageStore.Open(_directory);
        var state = await reopened.RecoverAsync();
        Assert.Equal(800, state.Messages.Count);
        Assert.Equal(800, state.LastSequenceNumbers["q"]);
        Assert.Equal(Body(800), await reopened.ReadBodyAsync("q", 800));
    }

    [Fact]
    public async Task Commit_WhileWriterBusy_AppliesQueuedBatchesInOneGroup()
    {
        var store = Open();
        await store.CommitAsync(new WriteBatch().InsertMessage(Message(1)));
        var groupsBefore = store.GroupCommits;

        store.PauseWriter();
        var commits = new List<Task>();
        for (var i = 2; i <= 101; i++)
            commits.Add(store.CommitAsync(new WriteBatch().InsertMessage(Message(i))).AsTask());
        var failing = store.CommitAsync(new WriteBatch().InsertMessage(Message(1))).AsTask();
        store.ResumeWriter();

        await Task.WhenAll(commits);
        await Assert.ThrowsAsync<StoreException>(() => failing);
        Assert.Equal(groupsBefore + 1, store.GroupCommits);
        Assert.Equal(101, (await store.RecoverAsync()).Messages.Count);
    }

    [Fact]
    public async Task Statistics_RecordEachGroupCommit_WithItsBatchesOperationsAndDuration()
    {
        var store = Open();
        var commits = new List<GroupCommit>();
        store.Statistics.Committed += commit => { lock (commits) commits.Add(commit); };
        await store.CommitAsync(new WriteBatch().InsertMessage(Message(1)));
        Assert.Single(commits);

        store.PauseWriter();
        var pending = new List<Task>();
        for (var i = 2; i <= 21; i++)
            pending.Add(store.CommitAsync(new WriteBatch().InsertMessage(Message(i)).InsertMessage(Message(i + 100))).AsTask());
        store.ResumeWriter();
        await Task.WhenAll(pending);

        var statistics = store.Statistics;
        Assert.Equal(store.GroupCommits, statistics.Commits);
        Assert.Equal(2, commits.Count);
        Assert.Equal(new GroupCommit(20, 40, commits[1].Elapsed), commits[1]); // 20 batches of 2 inserts in one group
        Assert.True(commits[1].Elapsed > TimeSpan.Zero);
        Assert.True(statistics.Healthy);
        Assert.Equal(0, statistics.FailedCommits);

        await store.DisposeAsync();
        Assert.True(statistics.WriterStopped);
        Assert.False(statistics.Healthy);
    }

    [Fact]
    public async Task Commit_BeyondMaxBatchOperations_SplitsGroupsButNeverABatch()
    {
        var store = Open(new SqliteStoreOptions { DataDirectory = _directory, MaxBatchOperations = 10 });
        await store.CommitAsync(new WriteBatch());
        var groupsBefore = store.GroupCommits;

        store.PauseWriter();
        var commits = new List<Task>();
        for (var i = 1; i <= 25; i++)
            commits.Add(store.CommitAsync(new WriteBatch().InsertMessage(Message(i))).AsTask());
        var large = new WriteBatch();
        for (var i = 26; i <= 40; i++)
            large.InsertMessage(Message(i));
        commits.Add(store.CommitAsync(large).AsTask());
        store.ResumeWriter();
        await Task.WhenAll(commits);

        // 10 + 10 + 5, then the 15-operation batch alone (a batch is never split).
        Assert.Equal(groupsBefore + 4, store.GroupCommits);
        Assert.Equal(40, (await store.RecoverAsync()).Messages.Count);
    }

    [Fact]
    public async Task Open_WithRelaxedDurability_PersistsAcrossReopen()
    {
        var store = Open(new SqliteStoreOptions { DataDirectory = _directory, RelaxedDurability = true });
        await store.CommitAsync(new WriteBatch().InsertMessage(Message(1)));
        await store.DisposeAsync();

        await using var reopened = SqliteMessageStore.Open(_directory);

        Assert.Single((await reopened.RecoverAsync()).Messages);
    }

    [Fact]
    public async Task Checkpoints_UnderContinuousCommits_RunInTheBackground_AndKeepTheLogBounded()
    {
        var store = Open();
        var served = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.CheckpointServed += caughtUp => served.TrySetResult(caughtUp);

        // Eight producers that never pause log about 13,000 pages (each message is larger than a page). A background
        // checkpoint cannot catch up with a writer that never pauses, so the log is bounded by the writer's own checkpoint
        // at InlineCheckpointPages; without it the log would hold every page (over 100 MB).
        var producers = new Task[8];
        for (var p = 0; p < producers.Length; p++)
        {
            var from = 1 + p * 750L;
            producers[p] = Task.Run(() => CommitLargeMessagesAsync(store, from, count: 750));
        }
        await Task.WhenAll(producers);
        await served.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(store.BackgroundCheckpoints >= 1);
        Assert.True(store.Statistics.Checkpoints >= 1);
        Assert.Equal(0, store.Statistics.CheckpointFailures);
        var bound = (SqliteMessageStore.InlineCheckpointPages + 2 * SqliteMessageStore.CheckpointPages) * (8192L + 24);
        var log = new FileInfo(store.DatabasePath + "-wal").Length;
        Assert.True(log <= bound, $"the log grew to {log} bytes; bound {bound}");
        Assert.Equal(6000, (await store.RecoverAsync()).Messages.Count);
    }

    [Fact]
    public async Task Checkpoint_ThatCaughtUp_LetsTheNextCommitStartTheLogOver()
    {
        var store = Open();
        await CommitLargeMessagesAsync(store, from: 1, count: 1200);
        Assert.True(await store.CheckpointNowAsync(), "with no commit running, a passive checkpoint copies the whole log");
        var logFile = new FileInfo(store.DatabasePath + "-wal");
        var grown = logFile.Length;

        await CommitLargeMessagesAsync(store, from: 1201, count: 50);

        // The log was written from its start again: the file did not grow (it would have by about 50 pages otherwise).
        logFile.Refresh();
        Assert.Equal(grown, logFile.Length);
        await store.DisposeAsync();
        await using var reopened = SqliteMessageStore.Open(_directory);
        var recovered = await reopened.RecoverAsync();
        Assert.Equal(1250, recovered.Messages.Count);
        Assert.Equal(LargeBody(1250), await reopened.ReadBodyAsync("q", 1250));
    }

    [Fact]
    public async Task Checkpoint_InRelaxedMode_AlsoRunsInTheBackground_AndEverythingSurvivesReopen()
    {
        var store = Open(new SqliteStoreOptions { DataDirectory = _directory, RelaxedDurability = true });
        await CommitLargeMessagesAsync(store, from: 1, count: 1200);
        Assert.True(await store.CheckpointNowAsync());
        await store.DisposeAsync();

        await using var reopened = SqliteMessageStore.Open(_directory);
        Assert.Equal(1200, (await reopened.RecoverAsync()).Messages.Count);
        Assert.Equal(LargeBody(600), await reopened.ReadBodyAsync("q", 600));
    }

    [Fact]
    public async Task Open_OfDatabaseFromNewerSchema_ThrowsStoreException()
    {
        await Open().DisposeAsync();
        using (var connection = Connect())
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<StoreException>(() => SqliteMessageStore.Open(_directory));

        Assert.Contains("newer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_OfFileThatIsNotADatabase_ThrowsStoreException()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "ferry.db"), new string('x', 4096));

        var error = Assert.Throws<StoreException>(() => SqliteMessageStore.Open(_directory));

        Assert.Contains("ferry.db", error.Message, StringComparison.Ordinal);
    }

    private SqliteMessageStore Open(SqliteStoreOptions? options = null)
    {
        var store = SqliteMessageStore.Open(options ?? new SqliteStoreOptions { DataDirectory = _directory });
        _opened.Add(store);
        return store;
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "ferry.db")};Pooling=False");
        connection.Open();
        return connection;
    }

    private object? Scalar(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static byte[] Body(long sequenceNumber) => BitConverter.GetBytes(sequenceNumber);

    // Over one 8 KB page, so that each message logs at least one page of its own (overflow pages).
    private static byte[] LargeBody(long sequenceNumber)
    {
        var body = new byte[9000];
        BitConverter.TryWriteBytes(body, sequenceNumber);
        body[^1] = (byte)sequenceNumber;
        return body;
    }

    private static async Task CommitLargeMessagesAsync(SqliteMessageStore store, long from, int count)
    {
        for (var seq = from; seq < from + count; seq++)
            await store.CommitAsync(new WriteBatch().InsertMessage(new StoredMessage
            {
                Entity = "q", SequenceNumber = seq, EnqueuedTime = DateTimeOffset.UnixEpoch, Body = LargeBody(seq),
            }));
    }

    private static StoredMessage Message(long sequenceNumber) => new()
    {
        Entity = "q",
        SequenceNumber = sequenceNumber,
        EnqueuedTime = DateTimeOffset.UnixEpoch,
        Body = Body(sequenceNumber),
    };
}
