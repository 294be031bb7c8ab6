namespace Ferry.Broker.Filters;

/// <summary>Selects no message.</summary>
public sealed record FalseFilter : RuleFilter
{
    public static FalseFilter Instance { get; } = new();

    /// <summary>The SQL text Azure's SDKs use for this filter.</summary>
    public const string SqlExpression = "1=0";

    public override bool Match(IFilterMessage message) => false;
}
