namespace Ferry.Jobs;

/// <summary>Exponential backoff with additive jitter.</summary>
internal static class Backoff
{
    /// <summary>
    /// <c>min(max, initial × 2^failures)</c> plus a random extra of up to <paramref name="jitter"/> of it, capped at
    /// <paramref name="max"/>.
    /// </summary>
    public static TimeSpan Delay(int failures, TimeSpan initial, TimeSpan max, double jitter, Random? random = null) =>
        RetryPolicy.Compute(initial, 2.0, max, jitter, failures + 1, random);
}
