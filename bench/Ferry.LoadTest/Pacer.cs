using System.Diagnostics;

namespace Ferry.LoadTest;

/// <summary>Spaces one producer's sends to a fixed rate (0 = unpaced): message i is due at start + i / rate.</summary>
internal sealed class Pacer(double perSecond)
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _count;

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (perSecond <= 0)
            return;
        var due = _start + (long)(_count++ * Stopwatch.Frequency / perSecond);
        var ahead = due - Stopwatch.GetTimestamp();
        if (ahead > Stopwatch.Frequency / 1000)
            await Task.Delay(TimeSpan.FromSeconds((double)ahead / Stopwatch.Frequency), cancellationToken);
    }
}
