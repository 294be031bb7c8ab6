using System.Diagnostics;

namespace Ferry.Storage;

/// <summary>
/// A fixed-bucket histogram that any thread may record into without a lock, read as Prometheus buckets: the count of
/// observations at or below each upper bound, the total count and the sum.
/// </summary>
public sealed class BucketHistogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _count;
    private long _sumBits;

    /// <param name="bounds">Upper bounds in increasing order; an implicit +Inf bucket follows the last.</param>
    public BucketHistogram(params double[] bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        for (var i = 1; i < bounds.Length; i++)
        {
            if (!(bounds[i] > bounds[i - 1]))
                throw new ArgumentException("Bucket bounds must increase.", nameof(bounds));
        }
        _bounds = bounds;
        _counts = new long[bounds.Length + 1];
    }

    /// <summary>The finite upper bounds, in increasing order.</summary>
    public IReadOnlyList<double> Bounds => _bounds;

    public long Count => Interlocked.Read(ref _count);

    public double Sum => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _sumBits));

    public void Record(double value)
    {
        var bucket = Array.BinarySearch(_bounds, value);
        if (bucket < 0)
            bucket = ~bucket;
        Interlocked.Increment(ref _counts[bucket]);
        Interlocked.Increment(ref _count);
        long seen, next;
        do
        {
            seen = Interlocked.Read(ref _sumBits);
            next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + value);
        }
        while (Interlocked.CompareExchange(ref _sumBits, next, seen) != seen);
    }

    /// <summary>Cumulative counts: element i is the observations at or below <c>Bounds[i]</c>; the last is every observation.</summary>
    public long[] CumulativeCounts()
    {
        var cumulative = new long[_counts.Length];
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += Interlocked.Read(ref _counts[i]);
            cumulative[i] = running;
        }
        Debug.Assert(cumulative.Length == _bounds.Length + 1);
        return cumulative;
    }
}
