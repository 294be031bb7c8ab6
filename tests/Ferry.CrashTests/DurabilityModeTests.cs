using System.Text.Json.Nodes;

namespace Ferry.CrashTests;

/// <summary>What an acknowledgement means is visible from outside: <c>/health</c> names it, and the relaxed mode warns at start.</summary>
public class DurabilityModeTests
{
    [Fact]
    public async Task Default_HealthReportsSynced()
    {
        var (durability, _) = await StartAndReadAsync(environment: null, arguments: null);

        Assert.Equal("synced", durability);
    }

    [Fact]
    public async Task RelaxedSwitchWithoutValue_HealthReportsRelaxed_AndTheHostWarnsAboutPowerLoss()
    {
        var (durability, warned) = await StartAndReadAsync(environment: null, arguments: ["--relaxed-durability"],
            waitForOutput: "power cut may lose the last acknowledged messages");

        Assert.Equal("relaxed", durability);
        Assert.True(warned, "the host did not warn that relaxed durability may lose acknowledged messages on power loss");
    }

    [Fact]
    public async Task RelaxedFromEnvironment_HealthReportsRelaxed()
    {
        var (durability, _) = await StartAndReadAsync(new Dictionary<string, string> { ["FERRY_RELAXEDDURABILITY"] = "true" }, arguments: null);

        Assert.Equal("relaxed", durability);
    }

    [Fact]
    public async Task RelaxedWithABadValue_HostExits2_NamingTheOption()
    {
        var root = Directory.CreateTempSubdirectory("ferry-durability-");
        try
        {
            await using var host = FerryProcess.Launch(Path.Combine(root.FullName, "data"), null,
                new Dictionary<string, string> { ["FERRY_RELAXEDDURABILITY"] = "sometimes" });

            var code = await host.WaitForExitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(2, code);
            Assert.Contains("--relaxed-durability", host.Output, StringComparison.Ordinal);
            Assert.Contains("sometimes", host.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", host.Output, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static async Task<(string? Durability, bool Warned)> StartAndReadAsync(
        IReadOnlyDictionary<string, string>? environment, IReadOnlyList<string>? arguments, string? waitForOutput = null)
    {
        var root = Directory.CreateTempSubdirectory("ferry-durability-");
        try
        {
            await using var host = await FerryProcess.StartAsync(Path.Combine(root.FullName, "data"), null, TimeSpan.FromSeconds(20),
                environment, arguments);
            using var http = new HttpClient();
            var health = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{host.HttpPort}/health")))!;
            var warned = waitForOutput is not null && await host.WaitForOutputAsync(waitForOutput, TimeSpan.FromSeconds(10));
            return ((string?)health["store"]!["durability"], warned);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
