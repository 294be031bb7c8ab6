namespace Ferry.Broker.Filters;

/// <summary>
/// A SQL filter expression (Azure's SqlFilter / SqlRuleFilter), compiled when constructed. Equal when the
/// expression text and the parameters are equal.
/// </summary>
public sealed record SqlFilter : RuleFilter
{
    private readonly SqlNode _root;

    /// <param name="expression">The condition, at most 1024 characters.</param>
    /// <param name="parameters">Values for <c>@name</c> references, keyed with or without the '@'.</param>
    /// <exception cref="FilterSyntaxException">The expression is not a valid filter; the message says where and why.</exception>
    /// <exception cref="ArgumentException">A parameter name is empty or repeated, or a value's type is not supported.</exception>
    public SqlFilter(string expression, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        Expression = expression;
        (Parameters, var byName) = SqlParameters.Prepare(parameters, nameof(parameters));
        _root = SqlParser.ParseFilter(expression, byName);
    }

    public string Expression { get; }

    /// <summary>A copy of the parameters given, keys as given.</summary>
    public IReadOnlyDictionary<string, object?> Parameters { get; }

    /// <summary>The value of an expression that depends on no message (<c>1=1</c>, <c>TRUE</c>): true, false, or null for unknown; null also when it depends on the message.</summary>
    public bool? ConstantValue => _root is SqlNode.Constant { Value: { Type: SqlType.Boolean } value } ? value.AsBoolean : null;

    public override bool Match(IFilterMessage message) => Evaluate(message) == true;

    /// <summary>The three-valued result: true, false, or null for unknown (which does not match).</summary>
    /// <exception cref="FilterEvaluationException">The expression failed on this message.</exception>
    public bool? Evaluate(IFilterMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var value = _root.Evaluate(message);
        return value.Type switch
        {
            SqlType.Boolean => value.AsBoolean,
            SqlType.Null => null,
            _ => throw new FilterEvaluationException($"Expected a Boolean condition, found {value.Described}", _root.Start),
        };
    }

    public bool Equals(SqlFilter? other) =>
        other is not null && string.Equals(Expression, other.Expression, StringComparison.Ordinal)
        && SqlParameters.AreEqual(Parameters, other.Parameters);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Expression);

    public override string ToString() => $"SqlFilter: {Expression}";
}
