using Ferry.Broker;
using Ferry.Jobs;
using Ferry.Server;
using Microsoft.AspNetCore.Rewrite;

namespace EmailIntake;

/// <summary>The app: an embedded Ferry (in memory here), the <c>email-intake</c> queue, the batch worker and the API.</summary>
public sealed class EmailIntakeApp : IAsyncDisposable
{
    public const string Queue = "email-intake";

    private EmailIntakeApp(FerryServer ferry, WebApplication web)
    {
        Ferry = ferry;
        Web = web;
    }

    public FerryServer Ferry { get; }

    public WebApplication Web { get; }

    public string Url => Web.Urls.First();

    public ScoreBook Book => Web.Services.GetRequiredService<ScoreBook>();

    public ModelOutage Outage => Web.Services.GetRequiredService<ModelOutage>();

    /// <param name="urls">Where the API listens; <c>http://127.0.0.1:0</c> picks a free port.</param>
    /// <param name="onOutcome">Called after each email settles (the demo counts dead letters with it).</param>
    public static async Task<EmailIntakeApp> StartAsync(string urls, Action<JobOutcome>? onOutcome = null)
    {
        // Messages are kept in memory to keep the sample small; set DataDirectory instead of InMemory to keep them on disk.
        var ferry = await FerryServer.StartAsync(new FerryServerOptions { InMemory = true, AmqpPort = 0, HttpPort = 0 });
        await ferry.Broker.ApplyConfigQueueAsync(Queue, new QueueSettings
        {
            MaxDeliveryCount = 5,
            LockDuration = TimeSpan.FromMinutes(5),            // well over the batch timeout: held messages are not renewed
            DeadLetteringOnMessageExpiration = true,
            RequiresDuplicateDetection = true,                 // an email submitted twice is scored once
        });

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(EmailIntakeApp).Assembly.GetName().Name });
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Services.AddSingleton<ScoreBook>();
        builder.Services.AddSingleton<ModelOutage>();
        builder.Services.AddFerryJobs(jobs =>
        {
            jobs.ConnectionString = ferry.ConnectionString();
            // Batches of at most 1,000 emails and 390,000 estimated tokens (~780 typical emails); a partial batch runs
            // 1 s after its first email. 2 attempts 100 ms apart, then the dead-letter queue.
            jobs.AddBatchJob<Email, EmailScorer>(Queue, maxBatchSize: 1000, batchTimeout: TimeSpan.FromSeconds(1),
                tokenBudget: TokenBudget.InputTokens, estimateTokens: TokenBudget.Estimate,
                retry: new RetryPolicy { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(100) });
            jobs.OnOutcome = onOutcome;
        });
        var web = builder.Build();

        // Seed 003's queue status route is the library's /queues.
        web.UseRewriter(new RewriteOptions().AddRewrite("^batch/queue/status$", "batch/queues", skipRemainingRules: true));
        web.UseRouting();

        // POST /batch/submit: an array of emails becomes one submission (batch_id), each email a job with the id
        // {batch_id}/{emailId}. The sends run 100 at a time.
        web.MapPost("/batch/submit", async (EmailSubmission[] emails, IJobClient jobs, ScoreBook book, CancellationToken ct) =>
        {
            var batchId = Guid.NewGuid().ToString("N")[..12];
            book.RecordSubmitted(batchId, emails.Length);
            await Parallel.ForEachAsync(emails, new ParallelOptions { MaxDegreeOfParallelism = 100, CancellationToken = ct }, async (e, token) =>
                await jobs.SubmitAsync(new Email(e.EmailId, e.From, e.Subject, e.Body, batchId), jobId: $"{batchId}/{e.EmailId}", cancellationToken: token));
            return Results.Accepted($"/batch/status/{batchId}", new { batch_id = batchId, count = emails.Length });
        });
        web.MapGet("/batch/status/{batchId}", (string batchId, ScoreBook book) => book.Status(batchId) is { } status ? Results.Ok(status) : Results.NotFound());
        web.MapGet("/batch/emails/{emailId}/score", (string emailId, ScoreBook book) =>
            book.Score(emailId) is { } score ? Results.Ok(new { emailId, score }) : Results.NotFound());

        // The job API under /batch: /batch/queues (counts), /batch/queues/email-intake/dead-letters/replay (seed 003's
        // dead-letter processing), /batch/health. Counts come from the embedded Ferry's admin API.
        web.MapFerryJobs("/batch", api => api.ManagementEndpoint = new Uri($"http://localhost:{ferry.HttpPort}/"));

        await web.StartAsync();
        return new EmailIntakeApp(ferry, web);
    }

    public async ValueTask DisposeAsync()
    {
        await Web.StopAsync();
        await Web.DisposeAsync();
        await Ferry.DisposeAsync();
    }
}
