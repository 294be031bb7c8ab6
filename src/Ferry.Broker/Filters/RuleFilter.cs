namespace Ferry.Broker.Filters;

/// <summary>
/// A subscription rule's filter: <see cref="TrueFilter"/>, <see cref="FalseFilter"/>, <see cref="SqlFilter"/> or
/// <see cref="CorrelationFilter"/>. Filters are immutable and compiled when created; <see cref="Match"/> may be
/// called from any number of threads at once.
/// </summary>
public abstract record RuleFilter
{
    private protected RuleFilter() { }

    /// <summary>Whether the rule selects <paramref name="message"/>. An unknown SQL result does not match.</summary>
    /// <exception cref="FilterEvaluationException">
    /// A SQL filter failed on this message; the subscription dead-letters the message when
    /// DeadLetteringOnFilterEvaluationExceptions is set.
    /// </exception>
    public abstract bool Match(IFilterMessage message);

    /// <summary>
    /// The filter a SQL expression stands for. The .NET SDK sends its TrueRuleFilter as <c>1=1</c> and its
    /// FalseRuleFilter as <c>1=0</c>; those exact texts without parameters become <see cref="TrueFilter"/> and
    /// <see cref="FalseFilter"/>, anything else a <see cref="SqlFilter"/>.
    /// </summary>
    /// <exception cref="FilterSyntaxException">The expression is not a valid filter.</exception>
    /// <exception cref="ArgumentException">A parameter is invalid.</exception>
    public static RuleFilter FromSqlExpression(string expression, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (parameters is null || parameters.Count == 0)
        {
            var trimmed = expression.Trim();
            if (trimmed == "1=1")
                return TrueFilter.Instance;
            if (trimmed == "1=0")
                return FalseFilter.Instance;
        }
        return new SqlFilter(expression, parameters);
    }
}
