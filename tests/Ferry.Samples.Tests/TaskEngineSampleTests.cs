using Ferry.Jobs;
using TaskEngine;
using Xunit.Abstractions;

namespace Ferry.Samples.Tests;

public sealed class TaskEngineSampleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Demo_HelloWorldWith10000Tasks_FinishesWithOneTransitionPerStage_AndTheExactSum()
    {
        const int n = 10_000;
        var log = new StringWriter();
        var result = await Task.Run(() => TaskEngineDemo.RunAsync(log, n, compare: 2_000));
        output.WriteLine(log.ToString());

        Assert.Equal(PipelineEventKind.Completed, result.Run.Outcome.Kind);
        Assert.Equal((long)n * (n - 1), result.Run.Aggregate);

        // The transition log in the job's control state: exactly one entry per stage, each with every task counted once.
        var stages = result.TransitionLog.EnumerateArray().ToArray();
        Assert.Equal(["greet", "reply"], stages.Select(s => s.GetProperty("name").GetString()));
        Assert.All(stages, s =>
        {
            Assert.Equal(n, s.GetProperty("tasks").GetInt32());
            Assert.Equal(n, s.GetProperty("succeeded").GetInt32());
            Assert.Equal(0, s.GetProperty("failed").GetInt32());
        });
        foreach (var stage in new[] { 0, 1 })
            Assert.Single(result.Run.Events, e => e.Kind == PipelineEventKind.StageCompleted && e.StageIndex == stage);

        // Both submit paths ran, side by side, with every message sent.
        Assert.Equal(2_000, result.PerMessage.Messages);
        Assert.Equal(2_000, result.Batched.Messages);
        Assert.True(result.PerMessage.PerSecond > 0 && result.Batched.PerSecond > 0);
        Assert.True(result.Succeeded);
    }
}
