namespace Ferry.LoadTest;

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
