namespace Ferry.Broker.Filters;

/// <summary>
/// A SQL rule action (Azure's SqlRuleAction): SET and REMOVE statements over application properties and the
/// settable system properties, compiled when constructed. Statements run in order, each seeing the previous ones'
/// changes. Equal when the expression text and parameters are equal.
/// </summary>
public sealed record SqlRuleAction : RuleAction
{
    private readonly ActionStatement[] _statements;

    /// <param name="expression">The statements, at most 1024 characters and 32 operations.</param>
    /// <param name="parameters">Values for <c>@name</c> references, keyed with or without the '@'.</param>
    /// <exception cref="FilterSyntaxException">The expression is not a valid action; the message says where and why.</exception>
    /// <exception cref="ArgumentException">A parameter name is empty or repeated, or a value's type is not supported.</exception>
    public SqlRuleAction(string expression, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        Expression = expression;
        (Parameters, var byName) = SqlParameters.Prepare(parameters, nameof(parameters));
        _statements = SqlParser.ParseAction(expression, byName);
    }

    public string Expression { get; }

    /// <summary>A copy of the parameters given, keys as given.</summary>
    public IReadOnlyDictionary<string, object?> Parameters { get; }

    /// <remarks>
    /// SET on an application property replaces the one whose name matches case-insensitively (keeping its key) or
    /// adds one; REMOVE removes every property whose name matches. A SET whose value is unknown stores null.
    /// </remarks>
    public override MessageModification Apply(IFilterMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var working = FilterMessage.CopyOf(message);
        var set = new Dictionary<string, object?>(StringComparer.Ordinal);
        var removed = new List<string>();
        Dictionary<SystemProperty, object?>? system = null;
        foreach (var statement in _statements)
        {
            var target = statement.Target;
            if (statement.Value is { } expression)
            {
                var value = expression.Evaluate(working);
                if (target.IsSystem)
                {
                    var systemValue = ActionStatement.ToSystemValue(target, value, expression.Start);
                    working.SetSystemProperty(target.System, systemValue);
                    (system ??= [])[target.System] = systemValue;
                    continue;
                }
                var key = PropertyLookup.FindKey(working.Properties, target.Name) ?? target.Name;
                working.Properties.TryGetValue(key, out var existing);
                var userValue = ActionStatement.ToUserValue(existing, value);
                working.Properties[key] = userValue;
                set[key] = userValue;
                removed.Remove(key);
            }
            else if (target.IsSystem)
            {
                working.SetSystemProperty(target.System, null);
                (system ??= [])[target.System] = null;
            }
            else
            {
                while (PropertyLookup.FindKey(working.Properties, target.Name) is { } key)
                {
                    working.Properties.Remove(key);
                    set.Remove(key);
                    if (message.Properties.ContainsKey(key) && !removed.Contains(key))
                        removed.Add(key);
                }
            }
        }
        return new MessageModification(set, removed, system);
    }

    public bool Equals(SqlRuleAction? other) =>
        other is not null && string.Equals(Expression, other.Expression, StringComparison.Ordinal)
        && SqlParameters.AreEqual(Parameters, other.Parameters);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Expression);

    public override string ToString() => $"SqlRuleAction: {Expression}";
}
