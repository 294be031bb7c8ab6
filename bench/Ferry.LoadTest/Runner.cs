using System.Diagnostics;
using System.Globalization;

namespace Ferry.LoadTest;

/// <summary>
/// Runs one scenario: entities, receivers, senders, a progress line every second, and the measured figures.
/// Duration mode measures the events inside [warm-up end, warm-up end + duration); count mode sends a fixed number
/// of messages and measures from the first send until the last expected delivery (or the last accepted send).
/// </summary>
internal static class Runner
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(30);

    public static async Task<RunResult> RunAsync(string target, ILoadDriver driver, RunSettings s, BrokerProcess broker, bool quiet)
    {
        await driver.SetupAsync(s);
        try
        {
            return await MeasureAsync(target, driver, s, broker, quiet);
        }
        finally
        {
            await driver.TeardownAsync();
        }
    }

    private static async Task<RunResult> MeasureAsync(string target, ILoadDriver driver, RunSettings s, BrokerProcess broker, bool quiet)
    {
        var kind = s.Scenario.Kind;
        var stats = new Stats();
        using var stop = new CancellationTokenSource();
        var countMode = s.Count > 0;
        var label = $"{target} {s.Scenario.Name}";

        long preloaded = 0;
        if (kind == ScenarioKind.Drain)
        {
            var preload = new Stats();
            Progress(quiet, $"[{label}] preloading {s.Count} messages");
            await driver.SendAsync(s, new SendBudget(s.Count), preload, CancellationToken.None);
            preloaded = preload.TotalSent;
        }
        if (s.Scenario.ReceivesWhileSending)
            await driver.StartReceiversAsync(s, stats);

        broker.ResetPeak();
        var start = Stopwatch.GetTimestamp();
        var from = countMode ? start : start + Seconds(s.Warmup);
        var until = countMode ? long.MaxValue : from + Seconds(s.Duration);
        stats.Window(from, until);

        Task sending;
        long sendDoneAt = 0;
        if (kind == ScenarioKind.Drain)
        {
            await driver.StartReceiversAsync(s, stats);
            sending = Task.CompletedTask;
        }
        else
        {
            sending = driver.SendAsync(s, new SendBudget(s.Count), stats, stop.Token)
                .ContinueWith(t => { sendDoneAt = Stopwatch.GetTimestamp(); return t; }, TaskScheduler.Default).Unwrap();
        }

        var cpuFrom = double.NaN;
        var clientCpuFrom = double.NaN;
        var lastPrint = start;
        long lastSent = 0, lastReceived = 0, lastProgressAt = start, lastTotal = 0;
        var complete = true;
        while (true)
        {
            await Task.Delay(Tick);
            var now = Stopwatch.GetTimestamp();
            broker.SampleRss();
            if (double.IsNaN(cpuFrom) && now >= from)
                (cpuFrom, clientCpuFrom) = (broker.CpuSeconds(), ClientCpuSeconds());
            if (sending.IsFaulted)
                break;
            if (now - lastPrint >= Stopwatch.Frequency)
            {
                var interval = (double)(now - lastPrint) / Stopwatch.Frequency;
                Progress(quiet, string.Create(CultureInfo.InvariantCulture,
                    $"[{label}] {(double)(now - start) / Stopwatch.Frequency,5:0.0} s  sent {stats.TotalSent,9} ({(stats.TotalSent - lastSent) / interval,7:0}/s)  " +
                    $"received {stats.TotalReceived,9} ({(stats.TotalReceived - lastReceived) / interval,7:0}/s)  broker RSS {broker.PeakRss / 1e6,6:0} MB"));
                (lastPrint, lastSent, lastReceived) = (now, stats.TotalSent, stats.TotalReceived);
            }
            if (!countMode)
            {
                if (now >= until)
                    break;
                continue;
            }
            var total = stats.TotalSent + stats.TotalReceived;
            if (total != lastTotal)
                (lastTotal, lastProgressAt) = (total, now);
            var expected = kind == ScenarioKind.Drain ? preloaded : stats.TotalSent * s.Fan;
            var done = kind == ScenarioKind.Send ? sending.IsCompleted : sending.IsCompleted && stats.TotalReceived >= expected;
            if (done)
                break;
            if (now - lastProgressAt > Seconds(StallLimit.TotalSeconds))
            {
                Console.Error.WriteLine($"[{label}] no progress for {StallLimit.TotalSeconds} s: stopping with {stats.TotalReceived} of {expected} received");
                complete = false;
                break;
            }
        }
        var cpuUntil = broker.CpuSeconds();
        // The load tool's own CPU over the same window; meaningless when the broker runs in this process (it is counted there).
        var clientCpu = broker.Pid == Environment.ProcessId ? double.NaN : ClientCpuSeconds() - clientCpuFrom;
        var end = Stopwatch.GetTimestamp();
        stop.Cancel();
        await sending;

        double seconds;
        long sent, received;
        if (countMode || kind == ScenarioKind.Drain)
        {
            var last = kind == ScenarioKind.Send ? sendDoneAt : Math.Max(stats.LastReceiveAt, from);
            seconds = (double)((complete ? last : end) - from) / Stopwatch.Frequency;
            (sent, received) = (stats.TotalSent, stats.TotalReceived);
        }
        else
        {
            seconds = s.Duration;
            (sent, received) = (stats.SentCount, stats.ReceivedCount);
        }
        seconds = Math.Max(seconds, 1e-6);
        var headline = kind == ScenarioKind.Send ? sent : received;
        var latency = stats.Latency();
        var cpu = cpuUntil - cpuFrom;
        return new RunResult
        {
            Target = target,
            Scenario = s.Scenario.Name,
            Broker = driver.Description,
            Size = s.Size,
            Senders = s.Senders,
            Receivers = s.Receivers,
            Window = s.Window,
            Prefetch = s.Prefetch,
            Batch = s.Batch,
            Durable = s.Durable,
            Rate = s.Rate,
            Seconds = seconds,
            Sent = sent,
            Received = received,
            Failed = stats.FailedCount,
            Complete = complete,
            MessagesPerSecond = headline / seconds,
            MegabytesPerSecond = headline * (double)s.Size / 1e6 / seconds,
            SentPerSecond = sent / seconds,
            ReceivedPerSecond = received / seconds,
            LatencyP50Ms = latency.P50,
            LatencyP95Ms = latency.P95,
            LatencyP99Ms = latency.P99,
            LatencyMaxMs = latency.Max,
            BrokerCpuSeconds = cpu,
            BrokerCpuMicrosecondsPerMessage = headline > 0 ? cpu * 1e6 / headline : double.NaN,
            BrokerPeakRssMegabytes = broker.PeakRss / 1e6,
            ClientCpuMicrosecondsPerMessage = headline > 0 ? clientCpu * 1e6 / headline : double.NaN,
        };
    }

    private static double ClientCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    private static long Seconds(double seconds) => (long)(seconds * Stopwatch.Frequency);

    private static void Progress(bool quiet, string line)
    {
        if (!quiet)
            Console.Error.WriteLine(line);
    }
}
