using System.Diagnostics;
using System.Globalization;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Bench;

/// <summary>
/// The recovery target of DESIGN.md: N queued 1 KB messages on the durable store, a clean stop, then how long
/// <see cref="FerryBroker.OpenAsync"/> takes to rebuild the index and how much memory the process holds afterwards.
/// With a host, also the target as DESIGN.md states it: the real <c>ferry</c> process started on that store, the time from
/// launching it to <c>/health/ready</c> answering 200, and its resident memory then (a fresh process, nothing else in it).
/// </summary>
internal static class RecoveryBench
{
    public static async Task RunAsync(int count, int size, string? dir, string? host)
    {
        // FERRY_BENCH_STORE=<dir>: reuse a store an earlier run kept (FERRY_BENCH_KEEP=1) instead of filling a new one.
        var existing = Environment.GetEnvironmentVariable("FERRY_BENCH_STORE");
        var root = existing is not null ? new DirectoryInfo(existing)
            : dir is null ? Directory.CreateTempSubdirectory("ferry-recovery-bench-") : Directory.CreateDirectory(Path.Combine(dir, $"recovery-{Guid.NewGuid():N}"));
        try
        {
            if (existing is null)
                await FillAsync(root, count, size);

            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            var before = Process.GetCurrentProcess().WorkingSet64;
            var recover = Stopwatch.StartNew();
            await using (var store = SqliteMessageStore.Open(root.FullName))
            {
                var broker = await FerryBroker.OpenAsync(store, TimeProvider.System);
                recover.Stop();
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                var process = Process.GetCurrentProcess();
                var counts = broker.GetQueue("recovery").GetRuntimeProperties();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"recovered {counts.ActiveMessageCount:N0} messages in {recover.Elapsed.TotalSeconds:F2} s; managed heap {GC.GetTotalMemory(false) / 1048576.0:F0} MB, working set {process.WorkingSet64 / 1048576.0:F0} MB (was {before / 1048576.0:F0} MB before opening), peak {process.PeakWorkingSet64 / 1048576.0:F0} MB"));
                await broker.DisposeAsync();
            }
            if (host is not null)
            {
                for (var run = 1; run <= 3; run++)
                    await RecoverInHostAsync(host, root.FullName, count);
            }
        }
        finally
        {
            if (existing is null && Environment.GetEnvironmentVariable("FERRY_BENCH_KEEP") is null)
                root.Delete(recursive: true);
        }
    }

    /// <summary>Starts the host on the filled store, waits for readiness, reads its memory from /proc, then kills it.</summary>
    private static async Task RecoverInHostAsync(string hostDll, string data, int count)
    {
        var httpPort = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { hostDll, "--data", data, "--amqp-port", FreePort().ToString(CultureInfo.InvariantCulture), "--http-port",
                httpPort.ToString(CultureInfo.InvariantCulture), "--amqps-port", "-1", "--https-port", "-1", "--log-level", "Warning" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var launched = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the host");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            while (true)
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"the host exited with {process.ExitCode}: {await errors}{await output}");
                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/health/ready"));
                    if (response.IsSuccessStatusCode)
                        break;
                }
                catch (HttpRequestException)
                {
                    // not listening yet: HTTP opens once the store is recovered
                }
                await Task.Delay(20);
            }
            var ready = launched.Elapsed;
            var status = await File.ReadAllLinesAsync($"/proc/{process.Id}/status");
            string Field(string name) => status.First(l => l.StartsWith(name, StringComparison.Ordinal)).Split(':')[1].Trim();
            var queue = await http.GetStringAsync(new Uri($"http://127.0.0.1:{httpPort}/api/queues/recovery/status"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"host: ready {ready.TotalSeconds:F2} s after launch with {count:N0} messages; RSS {Field("VmRSS")}, peak {Field("VmHWM")}; {Excerpt(queue)}"));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false); // SIGKILL: what is measured is recovery, not shutdown
                await process.WaitForExitAsync();
            }
        }
    }

    private static string Excerpt(string json)
    {
        var at = json.IndexOf("\"active_messages\"", StringComparison.Ordinal);
        return at < 0 ? json[..Math.Min(200, json.Length)] : json[at..Math.Min(json.Length, json.IndexOf(',', at) is var end and > 0 ? end : json.Length)];
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task FillAsync(DirectoryInfo root, int count, int size)
    {
        var body = new byte[size];
        Random.Shared.NextBytes(body);
        var fill = Stopwatch.StartNew();
        await using (var store = SqliteMessageStore.Open(root.FullName))
        {
            var broker = await FerryBroker.OpenAsync(store, TimeProvider.System);
            var queue = await broker.CreateQueueAsync("recovery", new QueueSettings { MaxSizeInMegabytes = 81_920 });
            const int Batch = 1000;
            var pending = new List<Task>();
            for (var sent = 0; sent < count; sent += Batch)
            {
                var messages = new IncomingMessage[Math.Min(Batch, count - sent)];
                for (var i = 0; i < messages.Length; i++)
                    messages[i] = new IncomingMessage { Body = body, MessageId = Guid.NewGuid().ToString() }; // as the SDKs make them
                pending.Add(queue.SendAsync(messages));
                if (pending.Count >= 8)
                {
                    await Task.WhenAll(pending);
                    pending.Clear();
                }
            }
            await Task.WhenAll(pending);
            await broker.DisposeAsync();
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"filled {count:N0} messages of {size} B in {fill.Elapsed.TotalSeconds:F1} s"));
    }
}
