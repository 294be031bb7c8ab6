using System.Diagnostics;
using System.Globalization;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Broker.Bench;

/// <summary>
/// The recovery target of DESIGN.md: N queued 1 KB messages on the durable store, a clean stop, then how long
/// <see cref="FerryBroker.OpenAsync"/> takes to rebuild the index and how much memory the process holds afterwards.
/// </summary>
internal static class RecoveryBench
{
    public static async Task RunAsync(int count, int size, string? dir)
    {
        var root = dir is null ? Directory.CreateTempSubdirectory("ferry-recovery-bench-") : Directory.CreateDirectory(Path.Combine(dir, $"recovery-{Guid.NewGuid():N}"));
        try
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
                        messages[i] = new IncomingMessage { Body = body, MessageId = (sent + i).ToString(CultureInfo.InvariantCulture) };
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
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
