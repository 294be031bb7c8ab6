using System.Diagnostics;

namespace Ferry.Broker.Bench;

/// <summary>Latency samples in Stopwatch ticks, from many threads; percentiles in milliseconds.</summary>
internal sealed class Latencies
{
    private readonly List<long> _samples = new(1 << 16);

    public void Add(long ticks)
    {
        lock (_samples)
            _samples.Add(ticks);
    }

    public int Count
    {
        get { lock (_samples) return _samples.Count; }
    }

    public double PercentileMs(double p)
    {
        lock (_samples)
        {
            if (_samples.Count == 0)
                return double.NaN;
            _samples.Sort();
            var index = (int)Math.Clamp(Math.Ceiling(p / 100 * _samples.Count) - 1, 0, _samples.Count - 1);
            return _samples[index] * 1000.0 / Stopwatch.Frequency;
        }
    }
}
