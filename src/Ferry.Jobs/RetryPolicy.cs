namespace Ferry.Jobs;

/// <summary>
/// How a job type retries: exponential backoff with jitter and a cap, up to <see cref="MaxAttempts"/> attempts in all.
/// The delay before attempt n+1 is <c>min(MaxDelay, InitialDelay × Multiplier^(n-1))</c> plus a random extra of up to
/// <see cref="Jitter"/> of that, never more than <see cref="MaxDelay"/>. So the computed delay is a lower bound.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>5 attempts, 1 s, ×2, capped at 5 minutes, +20% jitter.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>Attempts in all, including the first; at least 1. After the last one fails the message is dead-lettered.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The delay after the first failed attempt.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each further delay is this many times the previous one (at least 1).</summary>
    public double Multiplier { get; init; } = 2.0;

    /// <summary>No delay is longer than this.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Random extra, as a fraction of the computed delay (0 to 1): 0.2 adds up to 20%.</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>
    /// Exceptions that are not worth retrying: they dead-letter at once, as <see cref="PermanentJobException"/> always does.
    /// </summary>
    public Func<Exception, bool>? IsPermanent { get; init; }

    /// <summary>The delay after <paramref name="failedAttempt"/> (1-based) has failed.</summary>
    public TimeSpan GetDelay(int failedAttempt, Random? random = null) =>
        Compute(InitialDelay, Multiplier, MaxDelay, Jitter, failedAttempt, random);

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        if (MaxAttempts < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "MaxAttempts must be at least 1.");
        if (InitialDelay < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(InitialDelay), InitialDelay, "InitialDelay must not be negative.");
        if (MaxDelay < InitialDelay)
            throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, "MaxDelay must be at least InitialDelay.");
        if (!(Multiplier >= 1))
            throw new ArgumentOutOfRangeException(nameof(Multiplier), Multiplier, "Multiplier must be at least 1.");
        if (!(Jitter is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(Jitter), Jitter, "Jitter must be between 0 and 1.");
    }

    internal static TimeSpan Compute(TimeSpan initial, double multiplier, TimeSpan max, double jitter, int failedAttempt, Random? random)
    {
        var exponent = Math.Max(0, failedAttempt - 1);
        var ms = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(multiplier, Math.Min(exponent, 64)));
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        var extra = ms * jitter * (random ?? Random.Shared).NextDouble();
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(Math.Min(max.TotalMilliseconds, ms + extra));
    }
}
