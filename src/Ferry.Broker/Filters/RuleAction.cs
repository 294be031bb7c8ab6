namespace Ferry.Broker.Filters;

/// <summary>A rule's action: <see cref="EmptyRuleAction"/> or <see cref="SqlRuleAction"/>. Immutable and thread-safe.</summary>
public abstract record RuleAction
{
    private protected RuleAction() { }

    /// <summary>
    /// Runs the action against <paramref name="message"/> (which is not changed) and returns the changes, for the
    /// copy of the message that the subscription receives.
    /// </summary>
    /// <exception cref="FilterEvaluationException">An expression failed on this message.</exception>
    public abstract MessageModification Apply(IFilterMessage message);
}
