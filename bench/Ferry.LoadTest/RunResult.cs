namespace Ferry.LoadTest;

/// <summary>What one scenario run measured. Rates are over <see cref="Seconds"/>; MB is 10^6 bytes of body.</summary>
internal sealed record RunResult
{
    public required string Target { get; init; }
    public required string Scenario { get; init; }
    public required string Broker { get; init; }
    public int Size { get; init; }
    public int Senders { get; init; }
    public int Receivers { get; init; }
    public int Window { get; init; }
    public int Prefetch { get; init; }
    public int Batch { get; init; }
    public bool Durable { get; init; }
    public int Rate { get; init; }
    public double Seconds { get; init; }
    public long Sent { get; init; }
    public long Received { get; init; }
    public long Failed { get; init; }

    /// <summary>False when a count run stopped before every expected message arrived.</summary>
    public bool Complete { get; init; } = true;

    /// <summary>The scenario's headline rate: sends for send-only, deliveries received (and completed) otherwise.</summary>
    public double MessagesPerSecond { get; init; }
    public double MegabytesPerSecond { get; init; }
    public double SentPerSecond { get; init; }
    public double ReceivedPerSecond { get; init; }
    public double LatencyP50Ms { get; init; }
    public double LatencyP95Ms { get; init; }
    public double LatencyP99Ms { get; init; }
    public double LatencyMaxMs { get; init; }

    /// <summary>CPU seconds (user + system) the broker process used during the measured time.</summary>
    public double BrokerCpuSeconds { get; init; }

    /// <summary>Broker CPU microseconds per headline message.</summary>
    public double BrokerCpuMicrosecondsPerMessage { get; init; }

    /// <summary>The largest broker resident set sampled during the run (every 200 ms), MB.</summary>
    public double BrokerPeakRssMegabytes { get; init; }

    /// <summary>
    /// CPU microseconds (user + system) the load tool itself used per headline message during the measured time: the
    /// other half of what the two cores spend when it shares them with the broker. NaN with an in-process broker.
    /// </summary>
    public double ClientCpuMicrosecondsPerMessage { get; init; } = double.NaN;
}
