using System.Diagnostics;
using System.Globalization;

namespace Ferry.LoadTest;

/// <summary>
/// <c>disk-probe</c>: how long the disk under a directory takes to make a small write durable — rewrite one 8 KB block of a
/// preallocated file and sync it, one probe a millisecond — the one cost a durable broker cannot batch away below one
/// group commit. Its tail bounds a paced run's p99 (docs/performance.md), so compare.sh records it beside the results.
/// </summary>
internal static class DiskProbe
{
    public const string Usage = "Ferry.LoadTest disk-probe --dir DIR [--count N]   (default 2000 syncs)";

    private const int BlockBytes = 8192;
    private const int Blocks = 16;

    public static int Run(string[] args)
    {
        string? directory = null;
        var count = 2000;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dir" when i + 1 < args.Length:
                    directory = args[++i];
                    break;
                case "--count" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 10 and <= 1_000_000:
                    count = n;
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"disk-probe: unknown or bad argument '{args[i]}' (--count takes 10 to 1000000).");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        if (directory is null || !Directory.Exists(directory))
        {
            Console.Error.WriteLine($"disk-probe: --dir must name an existing directory{(directory is null ? "" : $" ('{directory}' does not exist)")}.");
            return 2;
        }

        Console.WriteLine(Measure(directory, count));
        return 0;
    }

    /// <summary>Runs the probe and returns its one-line summary.</summary>
    public static string Measure(string directory, int count)
    {
        var path = Path.Combine(directory, $"disk-probe-{Environment.ProcessId}.bin");
        var block = new byte[BlockBytes];
        Random.Shared.NextBytes(block);
        var timings = new double[count];
        try
        {
            using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
            // Allocate the blocks first, so each probe rewrites data and does not extend the file.
            for (var b = 0; b < Blocks; b++)
                RandomAccess.Write(handle, block, (long)b * BlockBytes);
            RandomAccess.FlushToDisk(handle);
            for (var i = 0; i < count; i++)
            {
                block[0] = (byte)i;
                var started = Stopwatch.GetTimestamp();
                RandomAccess.Write(handle, block, (long)(i % Blocks) * BlockBytes);
                RandomAccess.FlushToDisk(handle);
                timings[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Thread.Sleep(1);
            }
        }
        finally
        {
            File.Delete(path);
        }

        Array.Sort(timings);
        double At(double q) => timings[Math.Min(count - 1, (int)(q * count))];
        return string.Create(CultureInfo.InvariantCulture,
            $"8 KB rewrite + sync, {count} times: p50 {At(0.5):0.00} ms, p99 {At(0.99):0.00} ms, p99.9 {At(0.999):0.00} ms, max {timings[^1]:0.00} ms");
    }
}
