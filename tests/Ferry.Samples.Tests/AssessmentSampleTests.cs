using System.Diagnostics;
using Assessment;
using Ferry.Jobs;
using Xunit.Abstractions;

namespace Ferry.Samples.Tests;

public sealed class AssessmentSampleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Demo_GoodAssessment_IsReported_FailingOne_IsTriedThreeTimesThenDeadLettered()
    {
        var log = new StringWriter();
        var result = await Task.Run(() => AssessmentDemo.RunAsync(log));
        output.WriteLine(log.ToString());

        Assert.Equal("Assessment 17: score 54/100", result.Report);
        Assert.Equal([1, 2, 3], result.FailingOutcomes.Select(o => o.Attempt));
        Assert.Equal([JobOutcomeKind.Retrying, JobOutcomeKind.Retrying, JobOutcomeKind.DeadLettered], result.FailingOutcomes.Select(o => o.Kind));
        Assert.All(result.FailingOutcomes, o => Assert.IsType<TimeoutException>(o.Exception));

        // GET /api/admin/queue/status, seed 000's shape: the failed job is the one dead letter, nothing is left active.
        Assert.Equal(1, result.Count("scoring-jobs", "dead_letter_messages"));
        Assert.Equal(0, result.Count("scoring-jobs", "active_messages"));
        Assert.Equal(0, result.Count("report-jobs", "active_messages"));
        Assert.Equal(0, result.Count("report-jobs", "dead_letter_messages"));

        // GET /api/admin/jobs/score-fail-42, from the status store.
        Assert.Equal("DeadLettered", result.FailedJob.GetProperty("state").GetString());
        Assert.Equal(3, result.FailedJob.GetProperty("attempts").GetInt32());
        Assert.Equal("System.TimeoutException", result.FailedJob.GetProperty("error").GetProperty("type").GetString());
        Assert.True(result.Succeeded);
    }

    /// <summary>The command the README gives, as a process: `dotnet Assessment.dll --demo` exits 0 and says what happened.</summary>
    [Fact]
    public async Task DemoCommand_RunAsAProcess_ExitsZero_AndReportsTheScenario()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Assessment.dll");
        using var process = Process.Start(new ProcessStartInfo("dotnet", [dll, "--demo"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("GET /api/assessments/17/report -> Assessment 17: score 54/100", await stdout);
        Assert.Contains("score-fail-42  attempt 3: DeadLettered", await stdout);
        Assert.Contains("OK: 1 report, 3 attempts of fail-42 then the dead-letter queue", await stdout);
    }
}
