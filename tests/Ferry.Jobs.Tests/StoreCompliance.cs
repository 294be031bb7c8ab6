using Ferry.Jobs.Store;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Jobs.Tests;

/// <summary>
/// What every job store engine does, run against each (SQLite, PostgreSQL). Times come from a FakeTimeProvider, so each
/// timestamp is asserted exactly (to the millisecond the stores keep).
/// </summary>
public abstract class StoreCompliance : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly List<IJobStore> _stores = [];

    protected FakeTimeProvider Time { get; } = new(T0);

    protected IJobStore Store { get; private set; } = null!;

    /// <summary>A new store object over this test's database (the same database on every call).</summary>
    protected abstract Task<IJobStore> OpenStoreAsync();

    /// <summary>A factory of store objects over a new, empty database.</summary>
    protected abstract Task<Func<IJobStore>> NewDatabaseAsync();

    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => Store = await StartStoreAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
            await store.DisposeAsync();
        await CleanUpAsync();
    }

    private async Task<IJobStore> StartStoreAsync()
    {
        var store = await OpenStoreAsync();
        _stores.Add(store);
        await store.StartAsync();
        return store;
    }

    private JobEvent Event(JobEventKind kind, string id, string type = "ScoringJob", string queue = "scoring-jobs") =>
        new(kind, id, Time.GetUtcNow()) { Type = type, Queue = queue };

    private async Task<JobSummary> JobAsync(string id) => (await Store.GetJobAsync(id))?.Job ?? throw new InvalidOperationException($"no job {id}");

    [Fact]
    public async Task GetJob_Unknown_ReturnsNull() => Assert.Null(await Store.GetJobAsync("nope"));

    [Fact]
    public async Task Submitted_IsQueued_WithPayloadAndCreationTime()
    {
        Store.Append(Event(JobEventKind.Submitted, "j1") with { Payload = "{\"a\":1}"u8.ToArray(), MaxAttempts = 3 });
        await Store.FlushAsync();

        var job = await JobAsync("j1");
        Assert.Equal(JobState.Queued, job.State);
        Assert.Equal("ScoringJob", job.Type);
        Assert.Equal("scoring-jobs", job.Queue);
        Assert.Equal(0, job.Attempts);
        Assert.Equal(3, job.MaxAttempts);
        Assert.Equal(T0, job.CreatedAt);
        Assert.Equal(T0, job.UpdatedAt);
        Assert.Null(job.StartedAt);
        Assert.Null(job.FinishedAt);
        Assert.Null(job.Error);
        var stored = await Store.GetStoredJobAsync("j1");
        Assert.Equal("{\"a\":1}", System.Text.Encoding.UTF8.GetString(stored!.Payload.Span));
    }

    [Fact]
    public async Task Lifecycle_FailThenSucceed_RecordsAttemptsTimesErrorAndResult()
    {
        Store.Append(Event(JobEventKind.Submitted, "j1"));
        Time.Advance(TimeSpan.FromSeconds(1));
        Store.Append(Event(JobEventKind.Started, "j1") with { Attempt = 1 });
        Time.Advance(TimeSpan.FromSeconds(1));
        Store.Append((Event(JobEventKind.AttemptFailed, "j1") with { Attempt = 1 }).WithError(new TimeoutException("scorer timed out")));
        await Store.FlushAsync();

        var retrying = await JobAsync("j1");
        Assert.Equal(JobState.Retrying, retrying.State);
        Assert.Equal(1, retrying.Attempts);
        Assert.Equal(new JobError("System.TimeoutException", "scorer timed out"), retrying.Error);
        Assert.Equal(T0.AddSeconds(1), retrying.StartedAt);
        Assert.Null(retrying.FinishedAt);

        Time.Advance(TimeSpan.FromSeconds(1));
        Store.Append(Event(JobEventKind.Started, "j1") with { Attempt = 2 });
        await Store.FlushAsync();
        Assert.Equal(JobState.Running, (await JobAsync("j1")).State);

        Time.Advance(TimeSpan.FromSeconds(1));
        Store.Append(Event(JobEventKind.Succeeded, "j1") with { Attempt = 2, ResultJson = "{\"score\":87}" });
        await Store.FlushAsync();

        var done = await JobAsync("j1");
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal(2, done.Attempts);
        Assert.Equal(T0, done.CreatedAt);
        Assert.Equal(T0.AddSeconds(1), done.StartedAt);
        Assert.Equal(T0.AddSeconds(4), done.FinishedAt);
        Assert.Equal(T0.AddSeconds(4), done.UpdatedAt);
        Assert.Equal("{\"score\":87}", done.ResultJson);
        Assert.Null(done.Error);
    }

    [Fact]
    public async Task DeadLettered_IsFinished_WithTheError()
    {
        Store.Append(Event(JobEventKind.Submitted, "j1"));
        Store.Append(Event(JobEventKind.Started, "j1") with { Attempt = 3 });
        Time.Advance(TimeSpan.FromMilliseconds(1500));
        Store.Append((Event(JobEventKind.DeadLettered, "j1") with { Attempt = 3 }).WithError(new InvalidOperationException("bad input")));
        await Store.FlushAsync();

        var job = await JobAsync("j1");
        Assert.Equal(JobState.DeadLettered, job.State);
        Assert.True(job.State.IsFinished());
        Assert.Equal(3, job.Attempts);
        Assert.Equal(T0.AddMilliseconds(1500), job.FinishedAt);
        Assert.Equal(new JobError("System.InvalidOperationException", "bad input"), job.Error);
    }

    [Fact]
    public async Task WorkerEvent_ForAJobTheStoreHasNotSeen_CreatesIt()
    {
        Store.Append(Event(JobEventKind.Started, "j1") with { Attempt = 1 });
        await Store.FlushAsync();

        var job = await JobAsync("j1");
        Assert.Equal(JobState.Running, job.State);
        Assert.Equal("ScoringJob", job.Type);
        Assert.Equal(1, job.Attempts);
        Assert.Equal(T0, job.CreatedAt);
    }

    [Fact]
    public async Task Submitted_AfterTheWorkerStarted_KeepsTheWorkersStateAndTheEarlierCreationTime()
    {
        // Two processes: the worker's Started reached the store before the API's Submitted.
        Time.Advance(TimeSpan.FromSeconds(5));
        Store.Append(Event(JobEventKind.Started, "j1") with { Attempt = 1 });
        Store.Append(new JobEvent(JobEventKind.Submitted, "j1", T0) { Type = "ScoringJob", Queue = "scoring-jobs", Payload = "{}"u8.ToArray() });
        await Store.FlushAsync();

        var job = await JobAsync("j1");
        Assert.Equal(JobState.Running, job.State);
        Assert.Equal(T0, job.CreatedAt);
        Assert.NotNull(await Store.GetStoredJobAsync("j1"));
    }

    [Fact]
    public async Task QueuedLocally_IsListedOldestFirst_UntilForwarded()
    {
        Store.Append(Event(JobEventKind.QueuedLocally, "late") with { Payload = "{\"n\":2}"u8.ToArray() });
        Store.Append(new JobEvent(JobEventKind.QueuedLocally, "early", T0.AddSeconds(-1)) { Type = "ScoringJob", Queue = "q", Payload = "{\"n\":1}"u8.ToArray() });
        Store.Append(Event(JobEventKind.Submitted, "sent") with { Payload = "{}"u8.ToArray() });
        await Store.FlushAsync();

        var local = await Store.GetQueuedLocallyAsync(10);
        Assert.Equal(["early", "late"], local.Select(j => j.Id));
        Assert.Equal("q", local[0].Queue);
        Assert.Equal("{\"n\":1}", System.Text.Encoding.UTF8.GetString(local[0].Payload.Span));
        Assert.Equal(JobState.QueuedLocally, (await JobAsync("late")).State);
        Assert.Single(await Store.GetQueuedLocallyAsync(1));

        Store.Append(Event(JobEventKind.Forwarded, "early"));
        Store.Append(Event(JobEventKind.Started, "late") with { Attempt = 1 });
        Store.Append(Event(JobEventKind.Forwarded, "late"));
        await Store.FlushAsync();

        Assert.Empty(await Store.GetQueuedLocallyAsync(10));
        Assert.Equal(JobState.Queued, (await JobAsync("early")).State);
        Assert.Equal(JobState.Running, (await JobAsync("late")).State);
    }

    [Fact]
    public async Task Requeued_ClearsTheFinishAndTheError()
    {
        Store.Append(Event(JobEventKind.Submitted, "j1"));
        Store.Append((Event(JobEventKind.DeadLettered, "j1") with { Attempt = 3 }).WithError(new InvalidOperationException("x")));
        Time.Advance(TimeSpan.FromMinutes(1));
        Store.Append(Event(JobEventKind.Requeued, "j1"));
        await Store.FlushAsync();

        var job = await JobAsync("j1");
        Assert.Equal(JobState.Queued, job.State);
        Assert.Null(job.FinishedAt);
        Assert.Null(job.Error);
        Assert.Equal(3, job.Attempts);
        Assert.Equal(T0.AddMinutes(1), job.UpdatedAt);
    }

    [Fact]
    public async Task Cancelled_IsFinished_AndStaysCancelledWhenAWorkerStartsIt()
    {
        Store.Append(Event(JobEventKind.Submitted, "j1"));
        Assert.Null(await Store.GetJobStateAsync("unknown"));
        Store.Append(Event(JobEventKind.Cancelled, "j1"));
        await Store.FlushAsync();
        var job = await JobAsync("j1");
        Assert.Equal(JobState.Cancelled, job.State);
        Assert.Equal(JobState.Cancelled, await Store.GetJobStateAsync("j1"));
        Assert.Equal(T0, job.FinishedAt);

        Store.Append(Event(JobEventKind.Started, "j1") with { Attempt = 1 });
        await Store.FlushAsync();
        Assert.Equal(JobState.Cancelled, await Store.GetJobStateAsync("j1"));
    }

    [Fact]
    public async Task StagesAndTasks_ReportProgressCountsAndTaskErrors()
    {
        Store.Append(Event(JobEventKind.Submitted, "j1", type: "Geo"));
        Store.Append(Event(JobEventKind.StageStarted, "j1") with { Stage = "tile", StagePosition = 0, TasksTotal = 4 });
        Store.Append(Event(JobEventKind.StageStarted, "j1") with { Stage = "merge", StagePosition = 1, TasksTotal = 1 });
        Store.Append(Event(JobEventKind.TaskChanged, "j1") with { Stage = "tile", TaskId = "t1", State = JobState.Succeeded, Attempt = 1 });
        Store.Append(Event(JobEventKind.TaskChanged, "j1") with { Stage = "tile", TaskId = "t2", State = JobState.Running, Attempt = 1 });
        Store.Append(Event(JobEventKind.TaskChanged, "j1") with { Stage = "tile", TaskId = "t3", State = JobState.Running, Attempt = 1 });
        Time.Advance(TimeSpan.FromSeconds(1));
        Store.Append((Event(JobEventKind.TaskChanged, "j1") with { Stage = "tile", TaskId = "t3", State = JobState.Failed, Attempt = 2 }).WithError(new IOException("tile 3 unreadable")));
        await Store.FlushAsync();

        var details = await Store.GetJobAsync("j1");
        Assert.NotNull(details);
        Assert.Equal(["tile", "merge"], details.Stages.Select(s => s.Name));
        var tile = details.Stages[0];
        Assert.Equal(JobState.Running, tile.State);
        Assert.Equal(4, tile.TasksTotal);
        Assert.Equal(1, tile.TasksSucceeded);
        Assert.Equal(1, tile.TasksFailed);
        Assert.Equal(1, tile.TasksRunning);
        Assert.Equal(0.5, tile.Progress);
        Assert.Equal(T0, tile.StartedAt);
        var error = Assert.Single(details.TaskErrors);
        Assert.Equal(new JobError("System.IO.IOException", "tile 3 unreadable", "tile", "t3"), error);

        Time.Advance(TimeSpan.FromSeconds(1));
        Store.Append(Event(JobEventKind.StageFinished, "j1") with { Stage = "tile", State = JobState.Failed });
        await Store.FlushAsync();
        var finished = (await Store.GetJobAsync("j1"))!.Stages[0];
        Assert.Equal(JobState.Failed, finished.State);
        Assert.Equal(T0.AddSeconds(2), finished.FinishedAt);
        Assert.Equal(4, finished.TasksTotal);
    }

    [Fact]
    public async Task List_PagesNewestFirst_WithoutGapsOrRepeats_EvenWithEqualCreationTimes()
    {
        for (var i = 0; i < 25; i++)
        {
            // Pairs of jobs share a creation time: the id breaks the tie.
            if (i % 2 == 0)
                Time.Advance(TimeSpan.FromSeconds(1));
            Store.Append(Event(JobEventKind.Submitted, $"job-{i:D2}", type: i % 5 == 0 ? "Report" : "ScoringJob"));
        }
        await Store.FlushAsync();

        var seen = new List<string>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var page = await Store.ListJobsAsync(new JobQuery { Limit = 10, Continuation = continuation });
            seen.AddRange(page.Jobs.Select(j => j.Id));
            continuation = page.Continuation;
            pages++;
        }
        while (continuation is not null);

        Assert.Equal(3, pages);
        var expected = Enumerable.Range(0, 25).Select(i => $"job-{i:D2}")
            .OrderByDescending(id => int.Parse(id[4..]) / 2).ThenByDescending(id => id, StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, seen);
        Assert.Equal(25, seen.Distinct().Count());
    }

    [Fact]
    public async Task List_FiltersByTypeAndState()
    {
        Store.Append(Event(JobEventKind.Submitted, "a", type: "Report"));
        Store.Append(Event(JobEventKind.Submitted, "b", type: "Report"));
        Store.Append(Event(JobEventKind.Submitted, "c"));
        Store.Append(Event(JobEventKind.Started, "b", type: "Report") with { Attempt = 1 });
        await Store.FlushAsync();

        Assert.Equal(["b", "a"], (await Store.ListJobsAsync(new JobQuery { Type = "Report" })).Jobs.Select(j => j.Id));
        Assert.Equal(["a"], (await Store.ListJobsAsync(new JobQuery { Type = "Report", State = JobState.Queued })).Jobs.Select(j => j.Id));
        Assert.Equal(["b"], (await Store.ListJobsAsync(new JobQuery { State = JobState.Running })).Jobs.Select(j => j.Id));
        Assert.Empty((await Store.ListJobsAsync(new JobQuery { Type = "Nothing" })).Jobs);
    }

    [Fact]
    public async Task List_BadLimitOrContinuation_Throws()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ListJobsAsync(new JobQuery { Limit = 0 }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ListJobsAsync(new JobQuery { Limit = 1001 }));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Store.ListJobsAsync(new JobQuery { Continuation = "not-a-token" }));
        Assert.Equal("continuation", error.ParamName);
    }

    [Fact]
    public async Task Count_ByState_AllOrOneType()
    {
        Store.Append(Event(JobEventKind.Submitted, "a"));
        Store.Append(Event(JobEventKind.Submitted, "b"));
        Store.Append(Event(JobEventKind.Submitted, "c", type: "Report"));
        Store.Append(Event(JobEventKind.Succeeded, "b") with { Attempt = 1 });
        await Store.FlushAsync();

        var all = await Store.CountJobsAsync();
        Assert.Equal(2, all[JobState.Queued]);
        Assert.Equal(1, all[JobState.Succeeded]);
        Assert.False(all.ContainsKey(JobState.Running));
        var reports = await Store.CountJobsAsync("Report");
        Assert.Equal(1, Assert.Single(reports).Value);
    }

    [Fact]
    public async Task ManyAppends_AreCommittedInBatches_AndAllVisibleAfterFlush()
    {
        for (var i = 0; i < 2500; i++)
            Store.Append(Event(JobEventKind.Submitted, $"j{i}"));
        for (var i = 0; i < 2500; i += 2)
            Store.Append(Event(JobEventKind.Started, $"j{i}") with { Attempt = 1 });
        await Store.FlushAsync();

        var counts = await Store.CountJobsAsync();
        Assert.Equal(1250, counts[JobState.Queued]);
        Assert.Equal(1250, counts[JobState.Running]);
    }

    [Fact]
    public async Task Reopened_KeepsItsData_AndMigratesNothingTwice()
    {
        Store.Append(Event(JobEventKind.Submitted, "j1"));
        await Store.FlushAsync();
        await Store.DisposeAsync();

        Store = await StartStoreAsync();
        Assert.Equal(JobState.Queued, (await JobAsync("j1")).State);
        var second = await StartStoreAsync();
        Assert.NotNull(await second.GetJobAsync("j1"));
    }

    [Fact]
    public async Task ConcurrentFirstStarts_OnAnEmptyDatabase_MigrateOnce_AndAllWork()
    {
        var open = await NewDatabaseAsync();
        var stores = Enumerable.Range(0, 4).Select(_ => open()).ToArray();
        _stores.AddRange(stores);
        await Task.WhenAll(stores.Select(s => Task.Run(() => s.StartAsync())));

        for (var i = 0; i < stores.Length; i++)
            stores[i].Append(Event(JobEventKind.Submitted, $"from-{i}"));
        await Task.WhenAll(stores.Select(s => s.FlushAsync()));
        Assert.Equal(4, (await stores[0].CountJobsAsync())[JobState.Queued]);
    }

    [Fact]
    public async Task Flush_WithNothingPending_Completes() => await Store.FlushAsync().WaitAsync(FerryFixture.Timeout);
}

public sealed class SqliteStoreTests : StoreCompliance
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ferry-jobs-{Guid.NewGuid():N}.db");

    private readonly List<string> _paths = [];

    protected override Task<IJobStore> OpenStoreAsync() => Task.FromResult<IJobStore>(new SqliteJobStore(_path, Time));

    protected override Task<Func<IJobStore>> NewDatabaseAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ferry-jobs-{Guid.NewGuid():N}.db");
        _paths.Add(path);
        return Task.FromResult<Func<IJobStore>>(() => new SqliteJobStore(path, Time));
    }

    protected override Task CleanUpAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var path in _paths.Append(_path))
        {
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
                File.Delete(file);
        }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task File_UsesWriteAheadLogging()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
    }
}

public sealed class PostgresStoreTests(PostgresFixture postgres) : StoreCompliance, IClassFixture<PostgresFixture>
{
    private string? _connectionString;

    protected override async Task<IJobStore> OpenStoreAsync()
    {
        _connectionString ??= await postgres.CreateDatabaseAsync();
        return new PostgresJobStore(_connectionString, Time);
    }

    protected override async Task<Func<IJobStore>> NewDatabaseAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        return () => new PostgresJobStore(connectionString, Time);
    }
}
