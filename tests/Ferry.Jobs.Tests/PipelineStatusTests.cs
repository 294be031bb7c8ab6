using System.Net.Http.Json;
using System.Text.Json;
using Ferry.Jobs.Store;
using Ferry.Jobs.TestWorker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs.Tests;

/// <summary>Pipeline progress in the status store (PipelineStatusObserver and the stages' task events), read through GET /jobs/{id}.</summary>
public sealed class PipelineStatusTests(FerryFixture ferry) : IClassFixture<FerryFixture>, IAsyncDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ferry-pipeline-status-{Guid.NewGuid():N}.db");
    private WebApplication? _app;

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

    [Fact]
    public async Task GetJob_OfAFinishedPipeline_ShowsItsStages_TaskCounts_AndTheFailedTask()
    {
        var pipeline = PipelineQueues.NewName("status");
        await PipelineQueues.CreateAsync(ferry, pipeline);
        var probe = new PipelineProbe();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IPipelineObserver>(probe);
        // Greet task 7 fails for good; under ContinueWithFailures the reply stage runs with the other 99 greetings.
        builder.Services.AddSingleton(new HelloWorldFaults(i => i == 7 ? new PermanentJobException("greet 7 is broken") : null));
        builder.Services.AddFerryJobs(options =>
        {
            options.ConnectionString = ferry.ConnectionString;
            options.UseSqliteStore(_path);
            HelloWorld.Register(options, pipeline, onFailure: PipelineFailurePolicy.ContinueWithFailures);
        });
        _app = builder.Build();
        _app.MapFerryJobs();
        await _app.StartAsync();
        var http = _app.GetTestClient();

        var jobId = await _app.Services.GetRequiredService<IPipelineClient>().StartAsync(pipeline, new HelloInput(100), "status-job");
        Assert.Equal(PipelineEventKind.Completed, (await probe.FinishedAsync(jobId, Long)).Kind);
        // A task's status is published just after its outcome is sent to the coordinator, so the last ones can land
        // after the job completes; the store then commits in the background. Poll until every task is counted.
        var job = default(JsonElement);
        await FerryFixture.EventuallyAsync(async () =>
        {
            job = await http.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}");
            return job.TryGetProperty("stages", out var s) && s.GetArrayLength() == 2
                && s.EnumerateArray().All(stage => stage.GetProperty("progress").GetDouble() == 1.0);
        }, "every task of both stages recorded");

        Assert.Equal(pipeline, job.GetProperty("type").GetString());
        Assert.Equal(pipeline + "-control", job.GetProperty("queue").GetString());
        Assert.Equal("Succeeded", job.GetProperty("state").GetString());
        Assert.Equal(100L * 99 - 2 * 7, job.GetProperty("result").GetProperty("aggregate").GetInt64());   // Σ 2i over i < 100, i ≠ 7
        Assert.Equal(1.0, job.GetProperty("progress").GetDouble());

        var stages = job.GetProperty("stages").EnumerateArray().ToArray();
        Assert.Equal(["greet", "reply"], stages.Select(s => s.GetProperty("name").GetString()));
        Assert.All(stages, s => Assert.Equal("Succeeded", s.GetProperty("state").GetString()));
        Assert.All(stages, s => Assert.NotEqual(JsonValueKind.Null, s.GetProperty("finishedAt").ValueKind));
        var greet = stages[0].GetProperty("tasks");
        Assert.Equal((100, 99, 1), (greet.GetProperty("total").GetInt32(), greet.GetProperty("succeeded").GetInt32(), greet.GetProperty("failed").GetInt32()));
        var reply = stages[1].GetProperty("tasks");
        Assert.Equal((99, 99, 0), (reply.GetProperty("total").GetInt32(), reply.GetProperty("succeeded").GetInt32(), reply.GetProperty("failed").GetInt32()));

        var error = Assert.Single(job.GetProperty("taskErrors").EnumerateArray());
        Assert.Equal(("greet", "7"), (error.GetProperty("stage").GetString(), error.GetProperty("task").GetString()));
        Assert.Equal("greet 7 is broken", error.GetProperty("message").GetString());
    }
}
