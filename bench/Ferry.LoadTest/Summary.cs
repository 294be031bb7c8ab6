using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ferry.LoadTest;

/// <summary>
/// <c>summarize</c>: reads the JSON files of several runs (compare.sh writes one per target, scenario and round) and
/// writes a Markdown report: per scenario and target the median with min–max of each figure, and Ferry/RabbitMQ ratios.
/// </summary>
internal static class Summary
{
    public const string Usage = "Ferry.LoadTest summarize --out FILE [--header FILE] RESULT.json...";

    public static int Run(string[] args)
    {
        string? output = null, header = null;
        var inputs = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out": output = args[++i]; break;
                case "--header": header = args[++i]; break;
                default: inputs.Add(args[i]); break;
            }
        }
        if (output is null || inputs.Count == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        var runs = new List<RunResult>();
        var loads = new List<double>();
        foreach (var file in inputs)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            if (document.RootElement.TryGetProperty("loadAverage", out var load) && load.ValueKind == JsonValueKind.Number)
                loads.Add(load.GetDouble());
            foreach (var element in document.RootElement.GetProperty("results").EnumerateArray())
                runs.Add(element.Deserialize<RunResult>(options)!);
        }

        var md = new StringBuilder();
        if (header is not null)
            md.Append(File.ReadAllText(header)).AppendLine();
        if (loads.Count > 0)
        {
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"1-minute load average when each run started: {loads.Min():0.0}–{loads.Max():0.0} (median {Median(loads):0.0}) on {Environment.ProcessorCount} cores."));
            md.AppendLine();
        }
        md.AppendLine("Each cell: median, with min–max over the rounds in brackets. msg/s is the scenario's headline rate: accepted sends for");
        md.AppendLine("`send`, deliveries received and completed (acked) for the others (for `fanout`, summed over the subscriptions).");
        md.AppendLine("Latency is send → receive, from the timestamp in the body. Broker CPU is user + system seconds of the broker process");
        md.AppendLine("over the measured time, per headline message; RSS is the largest resident set sampled every 200 ms.");
        md.AppendLine();
        md.AppendLine("| scenario | target | runs | msg/s | MB/s | p50 ms | p95 ms | p99 ms | max ms | broker CPU µs/msg | broker peak RSS MB |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var scenarios = runs.Select(r => r.Scenario).Distinct().ToList();
        foreach (var scenario in scenarios)
        {
            foreach (var target in new[] { "ferry", "rabbitmq" })
            {
                var set = runs.Where(r => r.Scenario == scenario && r.Target == target).ToList();
                if (set.Count == 0)
                    continue;
                var incomplete = set.Count(r => !r.Complete || r.Failed > 0);
                md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {scenario} | {(target == "ferry" ? "Ferry" : "RabbitMQ")} | {set.Count}{(incomplete > 0 ? $" ({incomplete} incomplete)" : "")} | " +
                    $"{Cell(set, r => r.MessagesPerSecond, "0")} | {Cell(set, r => r.MegabytesPerSecond, "0.0")} | {Cell(set, r => r.LatencyP50Ms, "0.0")} | " +
                    $"{Cell(set, r => r.LatencyP95Ms, "0.0")} | {Cell(set, r => r.LatencyP99Ms, "0.0")} | {Cell(set, r => r.LatencyMaxMs, "0")} | " +
                    $"{Cell(set, r => r.BrokerCpuMicrosecondsPerMessage, "0")} | {Cell(set, r => r.BrokerPeakRssMegabytes, "0")} |"));
            }
        }
        md.AppendLine();
        md.AppendLine("Ferry / RabbitMQ (ratio of medians; throughput above 1 favours Ferry, latency and CPU below 1 favour Ferry):");
        md.AppendLine();
        md.AppendLine("| scenario | msg/s | p99 latency | broker CPU per message |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var scenario in scenarios)
        {
            var ferry = runs.Where(r => r.Scenario == scenario && r.Target == "ferry").ToList();
            var rabbit = runs.Where(r => r.Scenario == scenario && r.Target == "rabbitmq").ToList();
            if (ferry.Count == 0 || rabbit.Count == 0)
                continue;
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {scenario} | {Ratio(ferry, rabbit, r => r.MessagesPerSecond)} | {Ratio(ferry, rabbit, r => r.LatencyP99Ms)} | {Ratio(ferry, rabbit, r => r.BrokerCpuMicrosecondsPerMessage)} |"));
        }
        md.AppendLine();
        md.AppendLine("Settings of each run:");
        md.AppendLine();
        foreach (var group in runs.GroupBy(r => (r.Scenario, r.Target)))
        {
            var r = group.First();
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"- {r.Scenario}, {r.Target}: {r.Broker}; {r.Size} B, {r.Senders} senders (window {r.Window}, batch {r.Batch}), {r.Receivers} receivers " +
                $"(prefetch {r.Prefetch}), {(r.Durable ? "durable" : "not durable")}, {(r.Rate > 0 ? $"rate {r.Rate}/s" : "unpaced")}, {r.Seconds:0.#} s measured"));
        }
        File.WriteAllText(output, md.ToString());
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    private static string Cell(List<RunResult> set, Func<RunResult, double> value, string format)
    {
        var values = set.Select(value).Where(v => !double.IsNaN(v)).ToList();
        if (values.Count == 0)
            return "–";
        var median = Median(values).ToString(format, CultureInfo.InvariantCulture);
        return values.Count == 1 ? median
            : $"{median} ({values.Min().ToString(format, CultureInfo.InvariantCulture)}–{values.Max().ToString(format, CultureInfo.InvariantCulture)})";
    }

    private static string Ratio(List<RunResult> ferry, List<RunResult> rabbit, Func<RunResult, double> value)
    {
        var f = ferry.Select(value).Where(v => !double.IsNaN(v)).ToList();
        var r = rabbit.Select(value).Where(v => !double.IsNaN(v)).ToList();
        if (f.Count == 0 || r.Count == 0 || Median(r) == 0)
            return "–";
        return (Median(f) / Median(r)).ToString("0.00", CultureInfo.InvariantCulture) + "×";
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
