namespace Ferry.LoadTest;

internal enum ScenarioKind
{
    Send,
    Drain,
    EndToEnd,
    FanOut,
    Sessions,
}

/// <summary>A named load shape and the settings it presets (the command line overrides them).</summary>
internal sealed record Scenario(string Name, ScenarioKind Kind, int? Size = null, int? Window = null, int? Prefetch = null, int? Rate = null)
{
    public static Scenario Parse(string name) => name switch
    {
        "send" => new(name, ScenarioKind.Send),
        "drain" => new(name, ScenarioKind.Drain),
        "e2e" or "end-to-end" => new("e2e", ScenarioKind.EndToEnd),
        "fanout" or "fan-out" => new("fanout", ScenarioKind.FanOut),
        "e2e-2k" => new(name, ScenarioKind.EndToEnd, Rate: 2000),
        "sessions" => new(name, ScenarioKind.Sessions),
        "large-256k" => new(name, ScenarioKind.EndToEnd, Size: 256 * 1024, Window: 20, Prefetch: 20),
        "large-1m" => new(name, ScenarioKind.EndToEnd, Size: 1024 * 1024, Window: 8, Prefetch: 8),
        _ => throw new ArgumentException($"unknown scenario '{name}'"),
    };

    /// <summary>Whether the scenario has receivers running while the senders send.</summary>
    public bool ReceivesWhileSending => Kind is ScenarioKind.EndToEnd or ScenarioKind.FanOut or ScenarioKind.Sessions;
}

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
