namespace Ferry.Broker.Filters;

/// <summary>Selects every message; the filter of a subscription's <c>$Default</c> rule.</summary>
public sealed record TrueFilter : RuleFilter
{
    public static TrueFilter Instance { get; } = new();

    /// <summary>The SQL text Azure's SDKs use for this filter.</summary>
    public const string SqlExpression = "1=1";

    public override bool Match(IFilterMessage message) => true;
}
