using System.Text.Json;
using Ferry.Jobs;

namespace TaskEngine;

/// <summary>What the demo saw; the sample's test asserts on it.</summary>
public sealed record TaskEngineDemoResult(int N, HelloRun Run, JsonElement TransitionLog, SubmitFigures PerMessage, SubmitFigures Batched)
{
    /// <summary>The job completed with the exact sum, and the log has one transition per stage, each with all N tasks succeeded.</summary>
    public bool Succeeded =>
        Run.Outcome.Kind == PipelineEventKind.Completed
        && Run.Aggregate == HelloWorld.ExpectedAggregate(N)
        && TransitionLog.GetArrayLength() == 2
        && TransitionLog.EnumerateArray().All(s => s.GetProperty("succeeded").GetInt32() == N && s.GetProperty("failed").GetInt32() == 0);
}

/// <summary>hello_world with N tasks per stage, then the two submit paths side by side.</summary>
public static class TaskEngineDemo
{
    public static async Task<TaskEngineDemoResult> RunAsync(TextWriter output, int n = 10_000, int compare = 10_000)
    {
        await using var engine = await TaskEngineApp.StartAsync();
        output.WriteLine($"Ferry embedded; pipeline {HelloWorld.Name}: greet ({n:N0} tasks) -> reply ({n:N0} tasks, summed)");

        var run = await engine.RunHelloWorldAsync(n, TimeSpan.FromSeconds(60 + n / 100));
        var log = await engine.ReadTransitionLogAsync(run.JobId, TimeSpan.FromSeconds(15));
        output.WriteLine($"{run.JobId}: {run.Outcome.Kind} in {run.Elapsed.TotalSeconds:F1} s, {2 * n / run.Elapsed.TotalSeconds:F0} tasks/s; " +
            $"aggregate {run.Aggregate:N0} (expected {HelloWorld.ExpectedAggregate(n):N0})");
        foreach (var stage in log.EnumerateArray())
            output.WriteLine($"  transition: stage {stage.GetProperty("name")}, {stage.GetProperty("tasks")} tasks, " +
                $"{stage.GetProperty("succeeded")} succeeded, {stage.GetProperty("failed")} failed");
        foreach (var index in new[] { 0, 1 })
        {
            var events = run.Events.Where(e => e.StageIndex == index).ToArray();
            var started = events.First(e => e.Kind == PipelineEventKind.StageStarted).At;
            var completed = events.First(e => e.Kind == PipelineEventKind.StageCompleted).At;
            var dispatched = events.Where(e => e.Kind == PipelineEventKind.TasksDispatched).ToArray();
            output.WriteLine($"  stage {index}: {dispatched.Length} windows of 100 tasks sent in {(dispatched[^1].At - dispatched[0].At).TotalSeconds:F1} s, " +
                $"fanned in {(completed - started).TotalSeconds:F1} s after the stage started, " +
                $"{events.Count(e => e.Kind == PipelineEventKind.Progress)} state writes");
        }

        var (perMessage, batched) = await engine.CompareSubmitPathsAsync(compare);
        foreach (var path in new[] { perMessage, batched })
            output.WriteLine($"submit {path.Path,-24} {path.Messages:N0} messages in {path.Elapsed.TotalSeconds:F2} s: {path.PerSecond:F0} msgs/s");
        output.WriteLine($"  batched/per-message: {batched.PerSecond / perMessage.PerSecond:F1}x");

        var result = new TaskEngineDemoResult(n, run, log, perMessage, batched);
        output.WriteLine(result.Succeeded ? "OK" : "UNEXPECTED");
        return result;
    }
}
