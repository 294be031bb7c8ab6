namespace Ferry.CrashTests;

/// <summary>"Bad input gets a precise error, at the boundary where it enters": the config file, seen from outside the process.</summary>
public class ConfigErrorTests
{
    [Fact]
    public async Task BadLockDuration_HostExitsNonZero_WithOneLineNamingFilePathAndLimit()
    {
        var root = Directory.CreateTempSubdirectory("ferry-config-");
        try
        {
            var config = Path.Combine(root.FullName, "Config.json");
            await File.WriteAllTextAsync(config, """
                {"UserConfig":{"Namespaces":[{"Name":"ns","Queues":[{"Name":"q","Properties":{"MaxDeliveryCount":3,"LockDuration":"PT1H"}}],"Topics":[]}]}}
                """);
            await using var host = FerryProcess.Launch(Path.Combine(root.FullName, "data"), config);

            var code = await host.WaitForExitAsync(TimeSpan.FromSeconds(30));

            Assert.NotEqual(0, code);
            var lines = host.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var line = Assert.Single(lines);
            Assert.Contains(config, line, StringComparison.Ordinal);
            Assert.Contains("$.UserConfig.Namespaces[0].Queues[0].Properties.LockDuration", line, StringComparison.Ordinal);
            Assert.Contains("00:05:00", line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task BodyMemoryOutOfRange_HostExits2_NamingTheOptionAndTheAllowedRange()
    {
        var root = Directory.CreateTempSubdirectory("ferry-options-");
        try
        {
            await using var host = FerryProcess.Launch(Path.Combine(root.FullName, "data"), null,
                new Dictionary<string, string> { ["FERRY_MESSAGEBODYMEMORYMEGABYTES"] = "-5" });

            var code = await host.WaitForExitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(2, code);
            Assert.Contains("--body-memory '-5' is not a size in megabytes; allowed 0 to 1048576.", host.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", host.Output, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
