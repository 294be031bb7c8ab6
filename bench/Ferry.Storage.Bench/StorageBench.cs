using System.Diagnostics;

namespace Ferry.Storage.Bench;

/// <summary>Durable group-commit throughput, the send/complete pattern, and recovery time of the SQLite engine.</summary>
internal static class StorageBench
{
    private const int BodySize = 1024;
    private static readonly byte[] s_body = CreateBody();

    public static async Task RunAsync(BenchOptions options)
    {
        Console.WriteLine($"Ferry.Storage bench  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  {Environment.ProcessorCount} cores  {Environment.OSVersion}  .NET {Environment.Version}");
        Console.WriteLine($"mode: {(options.Relaxed ? "RELAXED (synchronous=NORMAL)" : "durable (synchronous=FULL)")}, messages table: {(options.RowIdTable ? "rowid + index" : "WITHOUT ROWID")}, body {BodySize} B, {options.Seconds}s per row, dir {options.Directory}");
        Console.WriteLine();

        if (options.Only is null or "fsync")
            MeasureFsync(options);

        if (options.Only is null or "commit")
        {
            Console.WriteLine("send: each producer commits batches of one InsertMessage, awaiting each");
            Console.WriteLine($"{"producers",10} {"ops/s",10} {"syncs/s",9} {"ops/sync",9} {"p50 ms",8} {"p99 ms",8} {"writer µs/msg",14}");
            foreach (var producers in options.Producers)
                Print(producers, await RunProducersAsync(options, producers, pairs: false));
            Console.WriteLine();
        }

        if (options.Only is null or "pairs")
        {
            Console.WriteLine("send+complete: each producer commits InsertMessage, then DeleteMessage of it (2 commits per message)");
            Console.WriteLine($"{"producers",10} {"msg/s",10} {"syncs/s",9} {"ops/sync",9} {"p50 ms",8} {"p99 ms",8} {"writer µs/msg",14}");
            foreach (var producers in options.Producers)
                Print(producers, await RunProducersAsync(options, producers, pairs: true));
            Console.WriteLine();
        }

        if (options.Only is null or "recovery")
            await MeasureRecoveryAsync(options);
    }

    private static void MeasureFsync(BenchOptions options)
    {
        Directory.CreateDirectory(options.Directory);
        var path = Path.Combine(options.Directory, "fsync.probe");
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            var page = new byte[4096];
            var count = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < Math.Min(options.Seconds, 2))
            {
                file.Position = 0;
                file.Write(page);
                file.Flush(flushToDisk: true);
                count++;
            }

            Console.WriteLine($"raw disk: {count / clock.Elapsed.TotalSeconds:N0} write+fsync/s of 4 KB ({clock.Elapsed.TotalMilliseconds / count:N2} ms each)");
            Console.WriteLine();
        }

        File.Delete(path);
    }

    private static async Task<RunResult> RunProducersAsync(BenchOptions options, int producers, bool pairs)
    {
        var directory = FreshDirectory(options, $"run-{producers}-{(pairs ? "pairs" : "send")}");
        var store = SqliteMessageStore.Open(new SqliteStoreOptions
        {
            DataDirectory = directory,
            RelaxedDurability = options.Relaxed,
            MessagesInRowIdTable = options.RowIdTable,
        });

        long sequence = 0;
        var stop = 0;
        var latencies = new List<long>[producers];
        var counts = new long[producers];
        var tasks = new Task[producers];

        // A short warm-up lets the writer, the page cache and the JIT settle before the clock starts.
        await RunForAsync(TimeSpan.FromMilliseconds(500));
        var groupsBefore = store.GroupCommits;
        var batchesBefore = store.CommittedBatches;
        var writerBefore = WriterCpuNanoseconds();
        var clock = Stopwatch.StartNew();
        await RunForAsync(TimeSpan.FromSeconds(options.Seconds), record: true);
        var elapsed = clock.Elapsed.TotalSeconds;
        var groups = store.GroupCommits - groupsBefore;
        var batches = store.CommittedBatches - batchesBefore;
        var writerCpu = WriterCpuNanoseconds() - writerBefore;
        await store.DisposeAsync();
        Directory.Delete(directory, recursive: true);

        var all = new List<long>();
        long messages = 0;
        for (var p = 0; p < producers; p++)
        {
            all.AddRange(latencies[p]);
            messages += counts[p];
        }

        all.Sort();
        return new RunResult(messages / elapsed, groups / elapsed, (double)batches / Math.Max(groups, 1),
            Percentile(all, 0.50), Percentile(all, 0.99), writerCpu / 1000.0 / Math.Max(messages, 1));

        async Task RunForAsync(TimeSpan duration, bool record = false)
        {
            Volatile.Write(ref stop, 0);
            for (var p = 0; p < producers; p++)
            {
                var index = p;
                latencies[index] = new List<long>(record ? 1 << 16 : 0);
                counts[index] = 0;
                tasks[index] = Task.Run(async () =>
                {
                    while (Volatile.Read(ref stop) == 0)
                    {
                        var seq = Interlocked.Increment(ref sequence);
                        var started = Stopwatch.GetTimestamp();
                        await store.CommitAsync(new WriteBatch(1).InsertMessage(Message(seq)));
                        if (record)
                            latencies[index].Add(Stopwatch.GetTimestamp() - started);
                        if (pairs)
                        {
                            started = Stopwatch.GetTimestamp();
                            await store.CommitAsync(new WriteBatch(1).DeleteMessage("bench", seq));
                            if (record)
                                latencies[index].Add(Stopwatch.GetTimestamp() - started);
                        }

                        counts[index]++;
                    }
                });
            }

            await Task.Delay(duration);
            Volatile.Write(ref stop, 1);
            await Task.WhenAll(tasks);
        }
    }

    private static async Task MeasureRecoveryAsync(BenchOptions options)
    {
        var directory = FreshDirectory(options, "recovery");
        var storeOptions = new SqliteStoreOptions
        {
            DataDirectory = directory,
            RelaxedDurability = options.Relaxed,
            MessagesInRowIdTable = options.RowIdTable,
        };

        // Ten queues, filled in batches of 1,000 inserts from four producers so the entities interleave in the file.
        const int Entities = 10;
        const int BatchSize = 1000;
        var perEntity = options.RecoveryMessages / Entities;
        var fill = Stopwatch.StartNew();
        await using (var store = SqliteMessageStore.Open(storeOptions))
        {
            var next = new long[Entities];
            var batchesTotal = options.RecoveryMessages / BatchSize;
            var issued = 0;
            var workers = new Task[4];
            for (var w = 0; w < workers.Length; w++)
            {
                workers[w] = Task.Run(async () =>
                {
                    while (true)
                    {
                        var index = Interlocked.Increment(ref issued) - 1;
                        if (index >= batchesTotal)
                            return;
                        var entity = index % Entities;
                        var batch = new WriteBatch(BatchSize);
                        var first = Interlocked.Add(ref next[entity], BatchSize) - BatchSize;
                        for (var i = 1; i <= BatchSize; i++)
                            batch.InsertMessage(Message(first + i, $"queue-{entity}"));
                        await store.CommitAsync(batch);
                    }
                });
            }

            await Task.WhenAll(workers);
        }

        var fillSeconds = fill.Elapsed.TotalSeconds;
        var size = new FileInfo(Path.Combine(directory, SqliteMessageStore.DatabaseFileName)).Length;
        Console.WriteLine($"recovery: filled {perEntity * Entities:N0} messages ({BodySize} B bodies) in {fillSeconds:N1}s ({perEntity * Entities / fillSeconds:N0} msg/s in batches of {BatchSize}); database {size / (1024.0 * 1024):N0} MB");

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            GC.Collect();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var clock = Stopwatch.StartNew();
            await using var store = SqliteMessageStore.Open(storeOptions);
            var state = await store.RecoverAsync();
            var seconds = clock.Elapsed.TotalSeconds;
            var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            Console.WriteLine($"  recover #{attempt}: {state.Messages.Count:N0} messages' metadata in {seconds:N2}s ({state.Messages.Count / seconds:N0} msg/s), managed heap +{(heapAfter - heapBefore) / (1024.0 * 1024):N0} MB");
            GC.KeepAlive(state);
        }

        Directory.Delete(directory, recursive: true);
    }

    private static StoredMessage Message(long sequenceNumber, string entity = "bench") => new()
    {
        Entity = entity,
        SequenceNumber = sequenceNumber,
        EnqueuedTime = DateTimeOffset.UtcNow,
        ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
        MessageId = sequenceNumber.ToString("x16"),
        Body = s_body,
    };

    private static string FreshDirectory(BenchOptions options, string name)
    {
        var directory = Path.Combine(options.Directory, name);
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
        return directory;
    }

    private static double Percentile(List<long> sorted, double quantile) => sorted.Count == 0
        ? 0
        : sorted[(int)Math.Min(sorted.Count - 1, quantile * sorted.Count)] * 1000.0 / Stopwatch.Frequency;

    private static void Print(int producers, RunResult result) =>
        Console.WriteLine($"{producers,10} {result.PerSecond,10:N0} {result.SyncsPerSecond,9:N0} {result.OpsPerSync,9:N1} {result.P50Ms,8:N2} {result.P99Ms,8:N2} {result.WriterMicrosecondsPerMessage,14:N2}");

    /// <summary>
    /// CPU time the store's writer thread has used (Linux: /proc, the thread found by its name, which the kernel cuts to
    /// 15 characters); 0 elsewhere. The figure the load on a shared machine moves least.
    /// </summary>
    private static long WriterCpuNanoseconds()
    {
        const string TaskDirectory = "/proc/self/task";
        if (!Directory.Exists(TaskDirectory))
            return 0;
        long total = 0;
        foreach (var task in Directory.EnumerateDirectories(TaskDirectory))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd() != "Ferry.Storage w")
                    continue;
                var schedstat = File.ReadAllText(Path.Combine(task, "schedstat"));
                total += long.Parse(schedstat.AsSpan(0, schedstat.IndexOf(' ')), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread exited meanwhile.
            }
        }

        return total;
    }

    private static byte[] CreateBody()
    {
        var body = new byte[BodySize];
        new Random(1).NextBytes(body);
        return body;
    }
}
