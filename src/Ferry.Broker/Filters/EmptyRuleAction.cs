namespace Ferry.Broker.Filters;

/// <summary>No action: the subscription receives the message as sent.</summary>
public sealed record EmptyRuleAction : RuleAction
{
    public static EmptyRuleAction Instance { get; } = new();

    public override MessageModification Apply(IFilterMessage message) => MessageModification.None;
}
