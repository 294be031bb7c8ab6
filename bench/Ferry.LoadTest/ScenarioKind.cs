namespace Ferry.LoadTest;

/// <summary>The load shapes; a <see cref="Scenario"/> names one with its preset settings.</summary>
internal enum ScenarioKind
{
    Send,
    Drain,
    EndToEnd,
    FanOut,
    Sessions,
}
