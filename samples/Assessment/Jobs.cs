using Ferry.Jobs;

namespace Assessment;

/// <summary>The scoring job's payload: which assessment to score (seed 000's <c>scoring-jobs</c> message).</summary>
public sealed record ScoreAssessment(string AssessmentId);

/// <summary>The report job's payload, sent by the scorer when a score is ready (seed 000's <c>report-jobs</c> message).</summary>
public sealed record GenerateReport(string AssessmentId, int Score);

/// <summary>
/// Stands in for the model call. It is deterministic so the demo and its test can say what will happen: an assessment
/// id containing "fail" always throws, so the job is retried (3 attempts in all) and then dead-lettered; any other id
/// scores 50 to 99 from its characters and submits the report job.
/// </summary>
public sealed class Scorer(IJobClient jobs, ILogger<Scorer> log) : IJobHandler<ScoreAssessment>
{
    public async Task HandleAsync(JobContext<ScoreAssessment> context, CancellationToken cancellationToken)
    {
        var id = context.Payload.AssessmentId;
        log.LogInformation("Scoring {Id}, attempt {Attempt}/{Max}", id, context.Attempt, context.MaxAttempts);
        if (id.Contains("fail", StringComparison.OrdinalIgnoreCase))
            throw new TimeoutException($"the scoring model timed out on {id} (attempt {context.Attempt})");

        var score = 50 + id.Sum(c => c) % 50;
        context.SetResult(new { score });   // recorded in the status store: GET /api/admin/jobs/score-{id}
        // The job id makes the report idempotent: a retried scorer that gets here twice sends one report (duplicate detection).
        await jobs.SubmitAsync(new GenerateReport(id, score), jobId: $"report-{id}", cancellationToken: cancellationToken);
    }
}

/// <summary>Writes the report. Here it keeps it in memory (<see cref="Reports"/>); seed 000 writes it to Cosmos DB.</summary>
public sealed class ReportWriter(Reports reports) : IJobHandler<GenerateReport>
{
    public Task HandleAsync(JobContext<GenerateReport> context, CancellationToken cancellationToken)
    {
        reports.Add(context.Payload.AssessmentId, $"Assessment {context.Payload.AssessmentId}: score {context.Payload.Score}/100");
        context.SetResult(new { report = reports.Get(context.Payload.AssessmentId) });
        return Task.CompletedTask;
    }
}

/// <summary>The generated reports, by assessment id. Thread-safe.</summary>
public sealed class Reports
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _reports = new();

    public void Add(string assessmentId, string report) => _reports[assessmentId] = report;

    public string? Get(string assessmentId) => _reports.GetValueOrDefault(assessmentId);
}
