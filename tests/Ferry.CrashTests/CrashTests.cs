using System.Globalization;

namespace Ferry.CrashTests;

/// <summary>
/// The durability contract against a real process: "acknowledged means durable" and "at-least-once, never lost" under
/// kill -9 at random moments, and the graceful path under SIGTERM. What the test can and cannot claim is written on
/// <see cref="Ledger"/>.
/// </summary>
public class CrashTests(ITestOutputHelper output)
{
    /// <summary>FERRY_CRASH_SEED replays a run; otherwise a fresh seed, printed.</summary>
    private static int Seed() =>
        int.TryParse(Environment.GetEnvironmentVariable("FERRY_CRASH_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : Random.Shared.Next();

    [Fact]
    public async Task KillNine_AtRandomMomentsUnderLoad_LosesNoAcknowledgedMessage_AndResurrectsNoCompletion()
    {
        var seed = Seed();
        output.WriteLine($"seed {seed} (set FERRY_CRASH_SEED={seed} to replay the same kill moments)");
        var stops = 3 + new Random(seed).Next(0, 3);
        var result = await new CrashScenario(output).RunAsync(CrashScenario.StopMode.Kill, seed, stops);

        Assert.True(result.Violations.Count == 0,
            $"seed {seed}: {result.Violations.Count} violation(s):\n{string.Join('\n', result.Violations.Take(40))}");
        Assert.True(result.Summary.Acked > 0, "no send was acknowledged: the load never ran");
        Assert.True(result.Summary.Confirmed > 0, "no completion was confirmed: the receiver never ran");
    }

    /// <summary>
    /// Relaxed durability acknowledges once SQLite has written the log to the operating system, before the sync: a killed
    /// process must still lose nothing it acknowledged (the page cache outlives it), which is the mode's whole promise.
    /// </summary>
    [Fact]
    public async Task KillNine_WithRelaxedDurability_LosesNoAcknowledgedMessage_AndResurrectsNoCompletion()
    {
        var seed = Seed();
        output.WriteLine($"seed {seed} (set FERRY_CRASH_SEED={seed} to replay the same kill moments)");
        var stops = 3 + new Random(seed).Next(0, 3);
        var scenario = new CrashScenario(output, new Dictionary<string, string> { ["FERRY_RELAXEDDURABILITY"] = "true" });
        var result = await scenario.RunAsync(CrashScenario.StopMode.Kill, seed, stops);

        Assert.True(result.Violations.Count == 0,
            $"seed {seed}: {result.Violations.Count} violation(s):\n{string.Join('\n', result.Violations.Take(40))}");
        Assert.True(result.Summary.Acked > 0, "no send was acknowledged: the load never ran");
        Assert.True(result.Summary.Confirmed > 0, "no completion was confirmed: the receiver never ran");
    }

    [Fact]
    public async Task Sigterm_UnderLoad_ExitsZero_AndRestartRecoversEverything()
    {
        var seed = Seed();
        output.WriteLine($"seed {seed}");
        var result = await new CrashScenario(output).RunAsync(CrashScenario.StopMode.Terminate, seed, stopsUnderLoad: 2);

        Assert.True(result.Violations.Count == 0,
            $"seed {seed}: {result.Violations.Count} violation(s):\n{string.Join('\n', result.Violations.Take(40))}");
        Assert.True(result.Summary.Acked > 0, "no send was acknowledged: the load never ran");
    }
}
