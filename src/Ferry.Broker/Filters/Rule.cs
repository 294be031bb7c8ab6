namespace Ferry.Broker.Filters;

/// <summary>
/// A subscription rule (Azure's RuleDescription / RuleProperties): a name, a filter, an action and when it was
/// created. Immutable; build one with <see cref="Create"/>, which validates the name (filters and actions are
/// compiled by their constructors).
/// </summary>
public sealed record Rule
{
    /// <summary>The rule every new subscription starts with: a <see cref="TrueFilter"/> and no action.</summary>
    public const string DefaultRuleName = "$Default";

    /// <summary>Longest rule name Azure allows.</summary>
    public const int MaxNameLength = 50;

    private Rule(string name, RuleFilter filter, RuleAction action, DateTimeOffset createdAt)
    {
        Name = name;
        Filter = filter;
        Action = action;
        CreatedAt = createdAt;
    }

    public string Name { get; }

    public RuleFilter Filter { get; }

    public RuleAction Action { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <param name="action">Null for <see cref="EmptyRuleAction"/>.</param>
    /// <exception cref="ArgumentException">The name is invalid; see <see cref="ValidateName"/>.</exception>
    public static Rule Create(string name, RuleFilter filter, RuleAction? action, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (ValidateName(name) is { } problem)
            throw new ArgumentException($"The rule name is invalid: {problem}", nameof(name));
        return new Rule(name, filter, action ?? EmptyRuleAction.Instance, createdAt);
    }

    /// <summary>A rule from SQL texts: <see cref="RuleFilter.FromSqlExpression"/> and, when given, a <see cref="SqlRuleAction"/>.</summary>
    /// <exception cref="FilterSyntaxException">The filter or the action is not valid.</exception>
    /// <exception cref="ArgumentException">The name or a parameter is invalid.</exception>
    public static Rule Create(
        string name, string sqlFilter, string? sqlAction, DateTimeOffset createdAt, IReadOnlyDictionary<string, object?>? parameters = null) =>
        Create(name, RuleFilter.FromSqlExpression(sqlFilter, parameters),
            sqlAction is null ? null : new SqlRuleAction(sqlAction, parameters), createdAt);

    /// <summary>The <c>$Default</c> rule of a new subscription.</summary>
    public static Rule CreateDefault(DateTimeOffset createdAt) =>
        new(DefaultRuleName, TrueFilter.Instance, EmptyRuleAction.Instance, createdAt);

    /// <summary>
    /// Returns null when <paramref name="name"/> is a valid rule name, else why not. As Azure's SDKs check: 1–50
    /// characters, not only whitespace, none of '/', '\', '@', '?', '#', '*', and no control characters.
    /// </summary>
    public static string? ValidateName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return "the name is empty.";
        if (name.Length > MaxNameLength)
            return $"the name is {name.Length} characters long; at most {MaxNameLength} are allowed.";
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c is '/' or '\\' or '@' or '?' or '#' or '*' || char.IsControl(c))
                return $"the character {SqlLexer.DescribeChar(c)} at position {i} is not allowed.";
        }
        return null;
    }

    /// <summary>Whether the rule selects <paramref name="message"/>; see <see cref="RuleFilter.Match"/>.</summary>
    /// <exception cref="FilterEvaluationException">The filter failed on this message.</exception>
    public bool Match(IFilterMessage message) => Filter.Match(message);
}
