using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ferry.Broker;
using Ferry.Storage;
using Ferry.Jobs.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs.Tests;

/// <summary>The HTTP job API (MapFerryJobs) in a real ASP.NET Core app (TestServer) over an in-process Ferry.</summary>
public sealed class JobsApiTests(FerryFixture ferry) : IClassFixture<FerryFixture>, IAsyncDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ferry-api-{Guid.NewGuid():N}.db");
    private readonly OutcomeProbe _probe = new();
    private WebApplication? _app;

    /// <summary>What the test's handler does; set per test before jobs arrive.</summary>
    private Func<JobContext<ScoringJob>, Task> _handle = _ => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
            File.Delete(file);
    }

    private async Task<HttpClient> StartAsync(string queue, bool handle = true, int maxAttempts = 3, bool store = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddOpenApi();
        builder.Services.AddSingleton(new DelegateHandler<ScoringJob>((context, _) => _handle(context)));
        builder.Services.AddFerryJobs(options =>
        {
            options.ConnectionString = ferry.ConnectionString;
            options.OnOutcome = _probe.Record;
            if (store)
                options.UseSqliteStore(_path);
            if (handle)
            {
                options.AddJob<ScoringJob, DelegateHandler<ScoringJob>>(queue,
                    retry: new RetryPolicy { MaxAttempts = maxAttempts, InitialDelay = TimeSpan.FromMilliseconds(100), Jitter = 0 });
            }
            else
            {
                options.MapJob<ScoringJob>(queue);
            }
        });
        _app = builder.Build();
        _app.MapFerryJobs(configure: api => api.ManagementEndpoint = new Uri($"http://localhost:{ferry.Server.HttpPort}/"));
        _app.MapOpenApi();
        await _app.StartAsync();
        return _app.GetTestClient();
    }

    private async Task FlushAsync() => await _app!.Services.GetRequiredService<IJobStore>().FlushAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private int ActiveCount(string queue) => ferry.Server.Broker.GetQueue(queue).Peek(SubQueue.Main, 1, 5000).Count;

    [Fact]
    public async Task PostJob_Accepted_Handled_AndGetJobShowsItSucceeded()
    {
        var queue = await ferry.CreateQueueAsync();
        _handle = context =>
        {
            context.SetResult(new { score = context.Payload.Questions * 2 });
            return Task.CompletedTask;
        };
        var http = await StartAsync(queue);

        var response = await http.PostAsync("/jobs/ScoringJob?jobId=api-1", Json("""{"assessmentId":"a-17","questions":42}"""));
        var body = await ReadAsync(response, HttpStatusCode.Accepted);
        Assert.Equal("/jobs/api-1", response.Headers.Location?.ToString());
        Assert.Equal("api-1", body.GetProperty("jobId").GetString());
        Assert.Equal("queued", body.GetProperty("status").GetString());

        await _probe.WaitForAsync("api-1", JobOutcomeKind.Completed);
        await FlushAsync();
        var job = await ReadAsync(await http.GetAsync("/jobs/api-1"), HttpStatusCode.OK);
        Assert.Equal("Succeeded", job.GetProperty("state").GetString());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.Equal(3, job.GetProperty("maxAttempts").GetInt32());
        Assert.Equal(1.0, job.GetProperty("progress").GetDouble());
        Assert.Equal(queue, job.GetProperty("queue").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);
        Assert.Equal(84, job.GetProperty("result").GetProperty("score").GetInt32());
    }

    [Theory]
    [InlineData("""{"assessmentId":"a","questions":"many"}""", "$.questions")]
    [InlineData("""{"assessmentId":"a"}""", "$.questions")]
    [InlineData("""{"assessmentId":null,"questions":1}""", "$.assessmentId")]
    [InlineData("""{"assessmentId":"a","questions":1,"colour":"red"}""", "$.colour")]
    [InlineData("""{"assessmentId":"a",""", "$")]
    public async Task PostJob_InvalidPayload_Is400_NamingTheField_AndSendsNothing(string json, string property)
    {
        var queue = await ferry.CreateQueueAsync();
        var http = await StartAsync(queue, handle: false);

        var response = await http.PostAsync("/jobs/ScoringJob", Json(json));
        var problem = await ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(property, problem.GetProperty("property").GetString());
        Assert.Equal(0, ActiveCount(queue));
    }

    [Fact]
    public async Task PostJob_UnknownType_Is404()
    {
        var queue = await ferry.CreateQueueAsync();
        var http = await StartAsync(queue, handle: false);
        var problem = await ReadAsync(await http.PostAsync("/jobs/NoSuchJob", Json("{}")), HttpStatusCode.NotFound);
        Assert.Contains("ScoringJob", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task PostBatch_SendsEveryJob_AndRecordsThem()
    {
        var queue = await ferry.CreateQueueAsync();
        var http = await StartAsync(queue, handle: false);
        var payloads = string.Join(",", Enumerable.Range(0, 250).Select(i => $$"""{"assessmentId":"a{{i}}","questions":{{i}}}"""));

        var body = await ReadAsync(await http.PostAsync("/jobs/ScoringJob/batch", Json($"[{payloads}]")), HttpStatusCode.Accepted);
        Assert.Equal(250, body.GetProperty("count").GetInt32());
        Assert.Equal(0, body.GetProperty("queuedLocally").GetInt32());
        Assert.Equal(250, body.GetProperty("jobs").GetArrayLength());
        Assert.Equal(250, ActiveCount(queue));
        await FlushAsync();
        Assert.Equal(250, (await _app!.Services.GetRequiredService<IJobStore>().CountJobsAsync(nameof(ScoringJob)))[JobState.Queued]);
    }

    [Fact]
    public async Task PostBatch_OneInvalidItem_Is400_NamingItsIndex_AndSendsNothing()
    {
        var queue = await ferry.CreateQueueAsync();
        var http = await StartAsync(queue, handle: false);
        var json = """[{"assessmentId":"a","questions":1},{"assessmentId":"b","questions":2},{"assessmentId":"c","questions":3},{"assessmentId":"d","questions":"x"}]""";

        var problem = await ReadAsync(await http.PostAsync("/jobs/ScoringJob/batch", Json(json)), HttpStatusCode.BadRequest);
        Assert.Equal("$[3].questions", problem.GetProperty("property").GetString());
        Assert.Equal(0, ActiveCount(queue));
        var notArray = await ReadAsync(await http.PostAsync("/jobs/ScoringJob/batch", Json("{}")), HttpStatusCode.BadRequest);
        Assert.Equal("$", notArray.GetProperty("property").GetString());
    }

    [Fact]
    public async Task ListJobs_FiltersByState_AndPages_AndRejectsABadState()
    {
        var queue = await ferry.CreateQueueAsync();
        var http = await StartAsync(queue, handle: false);
        for (var i = 0; i < 3; i++)
            await ReadAsync(await http.PostAsync($"/jobs/ScoringJob?jobId=list-{i}", Json("""{"assessmentId":"a","questions":1}""")), HttpStatusCode.Accepted);
        await FlushAsync();

        var ids = new List<string>();
        var first = await ReadAsync(await http.GetAsync("/jobs?type=ScoringJob&state=queued&limit=2"), HttpStatusCode.OK);
        ids.AddRange(first.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()!));
        var continuation = first.GetProperty("continuation").GetString();
        Assert.NotNull(continuation);
        var second = await ReadAsync(await http.GetAsync($"/jobs?type=ScoringJob&state=Queued&limit=2&continuation={continuation}"), HttpStatusCode.OK);
        ids.AddRange(second.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()!));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("continuation").ValueKind);
        Assert.Equal(["list-0", "list-1", "list-2"], ids.Order());

        var bad = await ReadAsync(await http.GetAsync("/jobs?state=Sleeping"), HttpStatusCode.BadRequest);
        Assert.Equal("state", bad.GetProperty("property").GetString());
        Assert.Contains("DeadLettered", bad.GetProperty("allowed").GetString());
        var badLimit = await ReadAsync(await http.GetAsync("/jobs?limit=0"), HttpStatusCode.BadRequest);
        Assert.Equal("limit", badLimit.GetProperty("property").GetString());
        var badToken = await ReadAsync(await http.GetAsync("/jobs?continuation=zzz"), HttpStatusCode.BadRequest);
        Assert.Equal("continuation", badToken.GetProperty("property").GetString());
    }

    [Fact]
    public async Task Retry_ADeadLetteredJob_RunsItAgainFromAttempt1()
    {
        var queue = await ferry.CreateQueueAsync();
        var fail = true;
        var attempts = new List<int>();
        _handle = context =>
        {
            lock (attempts)
                attempts.Add(context.Attempt);
            return Volatile.Read(ref fail) ? throw new InvalidOperationException("model down") : Task.CompletedTask;
        };
        var http = await StartAsync(queue, maxAttempts: 1);
        await ReadAsync(await http.PostAsync("/jobs/ScoringJob?jobId=r1", Json("""{"assessmentId":"a","questions":1}""")), HttpStatusCode.Accepted);
        await _probe.WaitForAsync("r1", JobOutcomeKind.DeadLettered);
        await FlushAsync();
        var dead = await ReadAsync(await http.GetAsync("/jobs/r1"), HttpStatusCode.OK);
        Assert.Equal("DeadLettered", dead.GetProperty("state").GetString());
        Assert.Equal("System.InvalidOperationException", dead.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("model down", dead.GetProperty("error").GetProperty("message").GetString());

        Volatile.Write(ref fail, false);
        var retried = await http.PostAsync("/jobs/r1/retry", null);
        await ReadAsync(retried, HttpStatusCode.Accepted);
        await _probe.WaitForAsync("r1", JobOutcomeKind.Completed);
        await FlushAsync();
        Assert.Equal("Succeeded", (await ReadAsync(await http.GetAsync("/jobs/r1"), HttpStatusCode.OK)).GetProperty("state").GetString());
        lock (attempts)
            Assert.Equal([1, 1], attempts);

        await ReadAsync(await http.PostAsync("/jobs/r1/retry", null), HttpStatusCode.Conflict);
        await ReadAsync(await http.PostAsync("/jobs/nope/retry", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Cancel_AQueuedJob_ThenAgain_Is409()
    {
        var queue = await ferry.CreateQueueAsync();
        var http = await StartAsync(queue, handle: false);
        await ReadAsync(await http.PostAsync("/jobs/ScoringJob?jobId=c1", Json("""{"assessmentId":"a","questions":1}""")), HttpStatusCode.Accepted);
        await FlushAsync();

        var cancelled = await ReadAsync(await http.PostAsync("/jobs/c1/cancel", null), HttpStatusCode.OK);
        Assert.Equal("Cancelled", cancelled.GetProperty("state").GetString());
        Assert.Equal("Cancelled", (await ReadAsync(await http.GetAsync("/jobs/c1"), HttpStatusCode.OK)).GetProperty("state").GetString());
        await ReadAsync(await http.PostAsync("/jobs/c1/cancel", null), HttpStatusCode.Conflict);
        await ReadAsync(await http.PostAsync("/jobs/nope/cancel", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Queues_ReportsCountsPerJobQueue_InSeed000Shape()
    {
        var queue = await ferry.CreateQueueAsync();
        var http = await StartAsync(queue, handle: false);
        for (var i = 0; i < 2; i++)
            await ReadAsync(await http.PostAsync("/jobs/ScoringJob", Json("""{"assessmentId":"a","questions":1}""")), HttpStatusCode.Accepted);

        var status = await ReadAsync(await http.GetAsync("/queues"), HttpStatusCode.OK);
        Assert.True(status.GetProperty("service_bus_enabled").GetBoolean());
        Assert.False(status.GetProperty("fallback_mode").GetBoolean());
        var counts = status.GetProperty("queues").GetProperty(queue);
        Assert.Equal(2, counts.GetProperty("active_messages").GetInt64());
        Assert.Equal(0, counts.GetProperty("dead_letter_messages").GetInt64());
        Assert.Equal(0, counts.GetProperty("scheduled_messages").GetInt64());
    }

    [Fact]
    public async Task ReplayDeadLetters_SendsThemBack_WithAFreshAttemptCount()
    {
        var queue = await ferry.CreateQueueAsync();
        var fail = true;
        var attempts = new List<int>();
        _handle = context =>
        {
            lock (attempts)
                attempts.Add(context.Attempt);
            return Volatile.Read(ref fail) ? throw new InvalidOperationException("model down") : Task.CompletedTask;
        };
        var http = await StartAsync(queue, maxAttempts: 2);
        await ReadAsync(await http.PostAsync("/jobs/ScoringJob?jobId=d1", Json("""{"assessmentId":"a","questions":1}""")), HttpStatusCode.Accepted);
        await _probe.WaitForAsync("d1", JobOutcomeKind.DeadLettered);
        await FerryFixture.EventuallyAsync(() => ferry.DeadLetters(queue).Count == 1, "the job is dead-lettered");

        Volatile.Write(ref fail, false);
        var replay = await ReadAsync(await http.PostAsync($"/queues/{queue}/dead-letters/replay", null), HttpStatusCode.OK);
        Assert.Equal(1, replay.GetProperty("replayed").GetInt32());
        Assert.Equal("d1", replay.GetProperty("jobs")[0].GetString());
        await _probe.WaitForAsync("d1", JobOutcomeKind.Completed);
        await FerryFixture.EventuallyAsync(() => ferry.DeadLetters(queue).Count == 0, "the dead-letter queue is empty");
        lock (attempts)
            Assert.Equal([1, 2, 1], attempts);
        await FlushAsync();
        Assert.Equal("Succeeded", (await ReadAsync(await http.GetAsync("/jobs/d1"), HttpStatusCode.OK)).GetProperty("state").GetString());

        await ReadAsync(await http.PostAsync("/queues/not-a-job-queue/dead-letters/replay", null), HttpStatusCode.NotFound);
        var badMax = await ReadAsync(await http.PostAsync($"/queues/{queue}/dead-letters/replay?max=0", null), HttpStatusCode.BadRequest);
        Assert.Equal("max", badMax.GetProperty("property").GetString());
    }

    [Fact]
    public async Task Health_IsHealthy_WithTheBrokerConnectedAndTheStoreReadable()
    {
        var queue = await ferry.CreateQueueAsync();
        var http = await StartAsync(queue, handle: false);
        var health = await ReadAsync(await http.GetAsync("/health"), HttpStatusCode.OK);
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal("connected", health.GetProperty("broker").GetString());
        Assert.Equal("ok", health.GetProperty("store").GetString());
    }

    [Fact]
    public async Task WithoutAStore_StatusRoutesAre501_AndSubmitStillWorks()
    {
        var queue = await ferry.CreateQueueAsync();
        var http = await StartAsync(queue, handle: false, store: false);
        await ReadAsync(await http.PostAsync("/jobs/ScoringJob?jobId=x", Json("""{"assessmentId":"a","questions":1}""")), HttpStatusCode.Accepted);
        await ReadAsync(await http.GetAsync("/jobs/x"), HttpStatusCode.NotImplemented);
        Assert.Equal(1, ActiveCount(queue));
    }

    [Fact]
    public async Task OpenApiDocument_ListsEveryRoute()
    {
        var queue = await ferry.CreateQueueAsync();
        var http = await StartAsync(queue, handle: false);
        var document = await ReadAsync(await http.GetAsync("/openapi/v1.json"), HttpStatusCode.OK);
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var path in new[] { "/jobs/{type}", "/jobs/{type}/batch", "/jobs/{id}", "/jobs", "/jobs/{id}/retry", "/jobs/{id}/cancel", "/queues",
                     "/queues/{name}/dead-letters/replay", "/health" })
            Assert.Contains(path, paths);
    }
}
