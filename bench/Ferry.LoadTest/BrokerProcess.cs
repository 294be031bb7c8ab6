using System.Globalization;

namespace Ferry.LoadTest;

/// <summary>
/// Reads a broker process's CPU time and resident memory from Linux procfs: utime + stime (fields 14 and 15 of
/// <c>/proc/PID/stat</c>, in clock ticks of 1/100 s, the value on every Linux the .NET runtime supports) and VmRSS /
/// VmHWM from <c>/proc/PID/status</c>. Elsewhere, or when the process is gone, it reads nothing (NaN).
/// </summary>
internal sealed class BrokerProcess(int? pid, string description)
{
    private const double ClockTicksPerSecond = 100;
    private long _peakRss;

    public int? Pid => pid;

    /// <summary>Which process this is (for the report): "pid 123 (Ferry.Host)".</summary>
    public string Description => pid is null ? "none found" : $"pid {pid} ({description})";

    /// <summary>Finds the broker process: the only process whose command line contains <paramref name="marker"/>.</summary>
    public static BrokerProcess Find(string marker, string description)
    {
        var found = new List<int>();
        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == Environment.ProcessId)
                    continue;
                try
                {
                    var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                    if (cmdline.Contains(marker, StringComparison.Ordinal))
                        found.Add(id);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
        if (found.Count != 1)
        {
            Console.Error.WriteLine($"note: {found.Count} processes match '{marker}'; pass --broker-pid for broker CPU and memory");
            return new BrokerProcess(null, description);
        }
        return new BrokerProcess(found[0], description);
    }

    /// <summary>CPU seconds (user + system) the process has used so far.</summary>
    public double CpuSeconds()
    {
        if (pid is null)
            return double.NaN;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
            var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (utime + stime) / ClockTicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    /// <summary>Reads the resident set now and keeps the largest value seen (bytes).</summary>
    public long SampleRss()
    {
        var rss = StatusKilobytes("VmRSS:") * 1024;
        if (rss > _peakRss)
            _peakRss = rss;
        return rss;
    }

    /// <summary>The largest resident set seen by <see cref="SampleRss"/> since <see cref="ResetPeak"/>, in bytes.</summary>
    public long PeakRss => _peakRss;

    /// <summary>The kernel's high-water mark of the resident set over the process's life (VmHWM), in bytes.</summary>
    public long LifetimePeakRss => StatusKilobytes("VmHWM:") * 1024;

    public void ResetPeak() => _peakRss = 0;

    private long StatusKilobytes(string key)
    {
        if (pid is null)
            return 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
        }
        return 0;
    }
}
