using Ferry.Broker;
using Ferry.Jobs;
using Ferry.Server;
using Microsoft.AspNetCore.Rewrite;

namespace Assessment;

/// <summary>
/// The whole app: an embedded Ferry (durable, in <c>dataDirectory</c>), its two queues, the job worker, and the HTTP
/// API. In production Ferry would be its own process and only the connection string would change.
/// </summary>
public sealed class AssessmentApp : IAsyncDisposable
{
    private AssessmentApp(FerryServer ferry, WebApplication web)
    {
        Ferry = ferry;
        Web = web;
    }

    public FerryServer Ferry { get; }

    public WebApplication Web { get; }

    /// <summary>The API's base address (the first Kestrel listens on).</summary>
    public string Url => Web.Urls.First();

    /// <param name="dataDirectory">Ferry's durable store and the job status database go here.</param>
    /// <param name="urls">Where the API listens; <c>http://127.0.0.1:0</c> picks a free port.</param>
    /// <param name="retryDelay">The delay after the first failed attempt (doubling after that); seed 000 waits 60 s.</param>
    /// <param name="onOutcome">Called after each job settles (the demo waits on it).</param>
    public static async Task<AssessmentApp> StartAsync(string dataDirectory, string urls, TimeSpan? retryDelay = null,
        Action<JobOutcome>? onOutcome = null)
    {
        // 1. Ferry, in-process, on free ports, with its messages on disk: they survive a restart of the app.
        var ferry = await FerryServer.StartAsync(new FerryServerOptions
        {
            DataDirectory = Path.Combine(dataDirectory, "ferry"),
            AmqpPort = 0,
            HttpPort = 0,
        });

        // 2. The queues, with seed 000's settings. ApplyConfigQueueAsync creates a queue or leaves an existing one as it is.
        var queue = new QueueSettings
        {
            MaxDeliveryCount = 3,                          // 3 attempts, then the broker dead-letters
            LockDuration = TimeSpan.FromMinutes(5),
            DefaultMessageTimeToLive = TimeSpan.FromHours(1),
            RequiresDuplicateDetection = true,             // a job id submitted twice runs once
        };
        await ferry.Broker.ApplyConfigQueueAsync("scoring-jobs", queue);
        await ferry.Broker.ApplyConfigQueueAsync("report-jobs", queue);

        // 3. The jobs. MaxAttempts matches the queue's MaxDeliveryCount (docs/jobs.md, "Retry semantics").
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(AssessmentApp).Assembly.GetName().Name });
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<Reports>();
        builder.Services.AddFerryJobs(jobs =>
        {
            jobs.ConnectionString = ferry.ConnectionString();
            jobs.UseSqliteStore(Path.Combine(dataDirectory, "jobs.db"));   // job status for /api/admin/jobs/{id}
            jobs.AddJob<ScoreAssessment, Scorer>("scoring-jobs", concurrency: 4,
                retry: new RetryPolicy { MaxAttempts = 3, InitialDelay = retryDelay ?? TimeSpan.FromSeconds(60), MaxDelay = TimeSpan.FromMinutes(10) });
            jobs.AddJob<GenerateReport, ReportWriter>("report-jobs", concurrency: 2);
            jobs.OnOutcome = onOutcome;
        });
        var web = builder.Build();

        // Seed 000's status route, GET /api/admin/queue/status, is the library's /queues (below) in the same JSON shape.
        // The rewrite runs before routing, so it is added first.
        web.UseRewriter(new RewriteOptions().AddRewrite("^api/admin/queue/status$", "api/admin/queues", skipRemainingRules: true));
        web.UseRouting();

        // 4. The API. Submitting uses the job id score-{id}, so a double click scores once.
        web.MapPost("/api/assessments/{id}/submit", async (string id, IJobClient jobs) =>
            Results.Accepted($"/api/admin/jobs/score-{id}", new { jobId = await jobs.SubmitAsync(new ScoreAssessment(id), jobId: $"score-{id}") }));
        web.MapGet("/api/assessments/{id}/report", (string id, Reports reports) =>
            reports.Get(id) is { } report ? Results.Ok(new { assessmentId = id, report }) : Results.NotFound());

        // Ferry.Jobs' job API under /api/admin: /jobs/{id}, /jobs, /queues, /queues/{name}/dead-letters/replay, /health.
        // Queue counts are read from the embedded Ferry's admin API.
        web.MapFerryJobs("/api/admin", api => api.ManagementEndpoint = new Uri($"http://localhost:{ferry.HttpPort}/"));

        await web.StartAsync();
        return new AssessmentApp(ferry, web);
    }

    public async ValueTask DisposeAsync()
    {
        await Web.StopAsync();
        await Web.DisposeAsync();
        await Ferry.DisposeAsync();
    }
}
