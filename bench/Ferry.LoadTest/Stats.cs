using System.Diagnostics;

namespace Ferry.LoadTest;

/// <summary>Counters and send→receive latencies, counted only inside the measured window.</summary>
internal sealed class Stats
{
    private readonly List<long> _latencies = new(1 << 18);
    private long _measureFrom = long.MaxValue;
    private long _measureUntil = long.MaxValue;
    private long _sent;
    private long _received;

    public void Window(long from, long until)
    {
        Volatile.Write(ref _measureFrom, from);
        Volatile.Write(ref _measureUntil, until);
    }

    private bool Inside(long now) => now >= Volatile.Read(ref _measureFrom) && now < Volatile.Read(ref _measureUntil);

    public void Sent()
    {
        if (Inside(Stopwatch.GetTimestamp()))
            Interlocked.Increment(ref _sent);
    }

    public void Received(long sentAt)
    {
        var now = Stopwatch.GetTimestamp();
        if (!Inside(now))
            return;
        Interlocked.Increment(ref _received);
        lock (_latencies)
            _latencies.Add(now - sentAt);
    }

    public long SentCount => Interlocked.Read(ref _sent);

    public long ReceivedCount => Interlocked.Read(ref _received);

    public double PercentileMs(double p)
    {
        lock (_latencies)
        {
            if (_latencies.Count == 0)
                return double.NaN;
            _latencies.Sort();
            var index = (int)Math.Clamp(Math.Ceiling(p / 100 * _latencies.Count) - 1, 0, _latencies.Count - 1);
            return _latencies[index] * 1000.0 / Stopwatch.Frequency;
        }
    }
}
