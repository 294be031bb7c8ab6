using EmailIntake;
using Xunit.Abstractions;

namespace Ferry.Samples.Tests;

public sealed class EmailIntakeSampleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Demo_EveryEmailIsScoredOnce_BatchesStayInTheBudget_DeadLettersReplay()
    {
        var log = new StringWriter();
        var result = await Task.Run(() => EmailDemo.RunAsync(log, count: 2000));
        output.WriteLine(log.ToString());

        // Every email scored exactly once, the 20 rejected ones included (after their replay).
        Assert.Equal(2000, result.Scorings.Count);
        Assert.All(result.Scorings, s => Assert.Equal(1, s.Value));

        // No batch over 390,000 estimated tokens or 1,000 emails, and the budget, not the size cap, cut the full ones:
        // 2,000 emails of ~530 tokens cannot go in fewer than 3 batches.
        Assert.All(result.Batches, b => Assert.InRange(b.Tokens, 1, TokenBudget.InputTokens));
        Assert.All(result.Batches, b => Assert.InRange(b.Count, 1, 1000));
        Assert.True(result.Batches.Count >= 3, $"{result.Batches.Count} batches");
        Assert.Contains(result.Batches, b => b.Tokens > TokenBudget.InputTokens - 1000);

        // The rejected emails were dead-lettered after their attempts, replayed, and scored.
        Assert.Equal(20, result.DeadLettered);
        Assert.Equal(20, result.Replayed);
        Assert.Equal(1000, result.BatchStatus.GetProperty("submitted").GetInt32());
        Assert.Equal(1000, result.BatchStatus.GetProperty("scored").GetInt32());
        Assert.Equal(0, result.BatchStatus.GetProperty("pending").GetInt32());
        Assert.True(result.Succeeded);
    }
}
