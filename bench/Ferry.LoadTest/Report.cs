using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ferry.LoadTest;

/// <summary>The table printed at the end and the JSON file.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void PrintTable(IReadOnlyList<RunResult> results)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"target",-9}{"scenario",-12}{"size",8}{"msg/s",10}{"MB/s",8}{"sent/s",10}{"recv/s",10}{"p50 ms",9}{"p95 ms",9}{"p99 ms",9}{"max ms",9}{"cpu s",8}{"cpu µs/msg",11}{"RSS MB",8}{"client µs/msg",14}"));
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Target,-9}{r.Scenario + (r.Complete ? "" : "!"),-12}{r.Size,8}{r.MessagesPerSecond,10:0}{r.MegabytesPerSecond,8:0.0}{r.SentPerSecond,10:0}{r.ReceivedPerSecond,10:0}" +
                $"{r.LatencyP50Ms,9:0.00}{r.LatencyP95Ms,9:0.00}{r.LatencyP99Ms,9:0.00}{r.LatencyMaxMs,9:0.0}{r.BrokerCpuSeconds,8:0.00}{r.BrokerCpuMicrosecondsPerMessage,11:0.0}{r.BrokerPeakRssMegabytes,8:0}{r.ClientCpuMicrosecondsPerMessage,14:0.0}"));
        }
        if (results.Any(r => !r.Complete))
            Console.WriteLine("! stopped before every expected message arrived");
    }

    public static void WriteJson(string path, IReadOnlyList<RunResult> results)
    {
        var document = new
        {
            takenAtUtc = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            processors = Environment.ProcessorCount,
            loadAverage = LoadAverage(),
            results,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, Json));
    }

    /// <summary>The 1-minute load average from /proc/loadavg, or null off Linux.</summary>
    public static double? LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
