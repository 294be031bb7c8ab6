using System.Diagnostics;

namespace Ferry.LoadTest;

/// <summary>
/// Counters and send→receive latencies. Totals count everything (progress, count mode); the measured figures count
/// only events inside the window set by <see cref="Window"/>.
/// </summary>
/// <remarks>Called from many client threads at once; latencies go to a list under a lock, which costs far less than
/// the client and broker work per message.</remarks>
internal sealed class Stats
{
    private readonly List<long> _latencies = new(1 << 18);
    private long _measureFrom = long.MaxValue;
    private long _measureUntil = long.MaxValue;
    private long _sent;
    private long _received;
    private long _totalSent;
    private long _totalReceived;
    private long _failed;
    private long _lastReceiveAt;

    public void Window(long from, long until)
    {
        Volatile.Write(ref _measureFrom, from);
        Volatile.Write(ref _measureUntil, until);
    }

    private bool Inside(long now) => now >= Volatile.Read(ref _measureFrom) && now < Volatile.Read(ref _measureUntil);

    /// <summary><paramref name="messages"/> sends were accepted (confirmed) by the broker.</summary>
    public void Sent(int messages)
    {
        Interlocked.Add(ref _totalSent, messages);
        if (Inside(Stopwatch.GetTimestamp()))
            Interlocked.Add(ref _sent, messages);
    }

    /// <summary>A send was refused (rejected outcome, nack).</summary>
    public void Failed(int messages) => Interlocked.Add(ref _failed, messages);

    /// <summary>A message sent at <paramref name="sentAt"/> (Stopwatch ticks, read from its body) was received.</summary>
    public void Received(long sentAt)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _totalReceived);
        Volatile.Write(ref _lastReceiveAt, now);
        if (!Inside(now))
            return;
        Interlocked.Increment(ref _received);
        lock (_latencies)
            _latencies.Add(now - sentAt);
    }

    public long SentCount => Interlocked.Read(ref _sent);

    public long ReceivedCount => Interlocked.Read(ref _received);

    public long TotalSent => Interlocked.Read(ref _totalSent);

    public long TotalReceived => Interlocked.Read(ref _totalReceived);

    public long FailedCount => Interlocked.Read(ref _failed);

    public long LastReceiveAt => Volatile.Read(ref _lastReceiveAt);

    /// <summary>p50, p95, p99 and max in milliseconds (NaN when nothing was received in the window).</summary>
    public (double P50, double P95, double P99, double Max) Latency()
    {
        lock (_latencies)
        {
            if (_latencies.Count == 0)
                return (double.NaN, double.NaN, double.NaN, double.NaN);
            _latencies.Sort();
            return (At(50), At(95), At(99), Ms(_latencies[^1]));
        }

        double At(double p) => Ms(_latencies[(int)Math.Clamp(Math.Ceiling(p / 100 * _latencies.Count) - 1, 0, _latencies.Count - 1)]);
        static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
    }
}
