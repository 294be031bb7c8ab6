namespace Ferry.LoadTest;

/// <summary>Everything one scenario run uses.</summary>
internal sealed class RunSettings
{
    public required Scenario Scenario { get; init; }
    public int Senders { get; init; }
    public int Receivers { get; init; }
    public int Window { get; init; }
    public int Prefetch { get; init; }
    public int Batch { get; init; }
    public int Size { get; init; }
    public double Duration { get; init; }
    public double Warmup { get; init; }

    /// <summary>Messages to send in all (0: run for <see cref="Duration"/>).</summary>
    public long Count { get; init; }
    public int Rate { get; init; }
    public int Sessions { get; init; }
    public int Subscriptions { get; init; }
    public bool Durable { get; init; }

    /// <summary>Deliveries each sent message produces: one per subscription in a fan-out, else one.</summary>
    public int Fan => Scenario.Kind == ScenarioKind.FanOut ? Subscriptions : 1;
}
