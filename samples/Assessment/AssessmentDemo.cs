using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Ferry.Jobs;

namespace Assessment;

/// <summary>What the demo saw; the sample's test asserts on it.</summary>
public sealed record AssessmentDemoResult(
    string? Report,
    IReadOnlyList<JobOutcome> FailingOutcomes,
    JsonElement QueueStatus,
    JsonElement FailedJob,
    TimeSpan Elapsed)
{
    /// <summary>The good assessment got its report, the failing one ran 3 times and was dead-lettered, and the counts agree.</summary>
    public bool Succeeded =>
        Report is not null
        && FailingOutcomes.Count(o => o.Kind == JobOutcomeKind.Retrying) == 2
        && FailingOutcomes.Count(o => o.Kind == JobOutcomeKind.DeadLettered) == 1
        && Count("scoring-jobs", "dead_letter_messages") == 1
        && Count("scoring-jobs", "active_messages") == 0
        && Count("report-jobs", "active_messages") == 0
        && FailedJob.GetProperty("state").GetString() == "DeadLettered";

    public long Count(string queue, string counter) => QueueStatus.GetProperty("queues").GetProperty(queue).GetProperty(counter).GetInt64();
}

/// <summary>
/// The scenario, over HTTP as a client would see it: submit assessment 17 (scored, then reported) and assessment
/// fail-42 (its scorer always throws: 3 attempts, then the dead-letter queue), then read the status endpoints.
/// </summary>
public static class AssessmentDemo
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static async Task<AssessmentDemoResult> RunAsync(TextWriter output)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"ferry-assessment-{Guid.NewGuid():N}");
        var clock = Stopwatch.StartNew();
        var outcomes = new ConcurrentQueue<JobOutcome>();
        var reported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deadLettered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            // Retries 200 ms and 400 ms after a failure, so the demo takes seconds, not seed 000's minutes.
            await using var app = await AssessmentApp.StartAsync(dataDirectory, "http://127.0.0.1:0", TimeSpan.FromMilliseconds(200), outcome =>
            {
                outcomes.Enqueue(outcome);
                if (outcome is { JobId: "report-17", Kind: JobOutcomeKind.Completed })
                    reported.TrySetResult();
                if (outcome is { JobId: "score-fail-42", Kind: JobOutcomeKind.DeadLettered })
                    deadLettered.TrySetResult();
            });
            using var http = new HttpClient { BaseAddress = new Uri(app.Url) };
            output.WriteLine($"Ferry embedded (data in {dataDirectory}); API on {app.Url}");

            foreach (var id in new[] { "17", "fail-42" })
            {
                using var response = await http.PostAsync($"/api/assessments/{id}/submit", null);
                output.WriteLine($"POST /api/assessments/{id}/submit -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            await Task.WhenAll(reported.Task, deadLettered.Task).WaitAsync(Deadline);
            var failing = outcomes.Where(o => o.JobId == "score-fail-42").OrderBy(o => o.Attempt).ToArray();
            foreach (var outcome in outcomes.OrderBy(o => o.JobId).ThenBy(o => o.Attempt))
                output.WriteLine($"  {outcome.JobId,-14} attempt {outcome.Attempt}: {outcome.Kind}" +
                    (outcome.RetryDelay is { } delay ? $" (retry in {delay.TotalMilliseconds:F0} ms)" : "") +
                    (outcome.Exception is { } ex ? $" - {ex.Message}" : ""));

            var report = (await http.GetFromJsonAsync<JsonElement>("/api/assessments/17/report")).GetProperty("report").GetString();
            output.WriteLine($"GET /api/assessments/17/report -> {report}");

            // The worker reports an outcome when it has sent the settlement; the broker applies it a moment later, so
            // the counts are polled until they settle (or the deadline passes and the last reading is shown).
            var status = await PollAsync(http, "/api/admin/queue/status", s =>
                s.GetProperty("queues").GetProperty("scoring-jobs").GetProperty("dead_letter_messages").GetInt64() == 1
                && s.GetProperty("queues").GetProperty("scoring-jobs").GetProperty("active_messages").GetInt64() == 0
                && s.GetProperty("queues").GetProperty("report-jobs").GetProperty("active_messages").GetInt64() == 0);
            output.WriteLine($"GET /api/admin/queue/status -> {status}");

            var failedJob = await PollAsync(http, "/api/admin/jobs/score-fail-42", j => j.GetProperty("state").GetString() == "DeadLettered");
            output.WriteLine($"GET /api/admin/jobs/score-fail-42 -> state {failedJob.GetProperty("state")}, attempts {failedJob.GetProperty("attempts")}, " +
                $"error {failedJob.GetProperty("error").GetProperty("type")}");

            var result = new AssessmentDemoResult(report, failing, status, failedJob, clock.Elapsed);
            output.WriteLine($"{(result.Succeeded ? "OK" : "UNEXPECTED")}: 1 report, {failing.Length} attempts of fail-42 then the dead-letter queue, " +
                $"in {clock.Elapsed.TotalSeconds:F1} s");
            return result;
        }
        finally
        {
            try { Directory.Delete(dataDirectory, recursive: true); }
            catch (IOException) { /* a file still closing; the temp directory is the OS's to clean */ }
        }
    }

    /// <summary>GETs <paramref name="path"/> until <paramref name="done"/> holds or the deadline passes; returns the last answer.</summary>
    private static async Task<JsonElement> PollAsync(HttpClient http, string path, Func<JsonElement, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var answer = await http.GetFromJsonAsync<JsonElement>(path);
            if (done(answer) || deadline.Elapsed > Deadline)
                return answer;
            await Task.Delay(50);
        }
    }
}
