namespace Ferry.Broker.Filters;

/// <summary>
/// A node of a compiled filter or action expression: an interpreter over <see cref="SqlValue"/> structs that
/// allocates nothing for the common operators. Nodes are immutable, so one compiled expression may be evaluated on
/// many threads at once.
/// </summary>
internal abstract partial class SqlNode
{
    protected SqlNode(int position, int start = -1)
    {
        Position = position;
        Start = start < 0 ? position : start;
    }

    /// <summary>Offset in the expression of the node's operator (or its only token), for evaluation errors.</summary>
    public int Position { get; }

    /// <summary>Offset of the node's first character, for errors about the node as a whole.</summary>
    public int Start { get; }

    public virtual NodeShape Shape => NodeShape.Any;

    public virtual bool IsConstant => false;

    /// <summary>True when every operand is a constant and the result does not depend on when it is computed.</summary>
    public virtual bool CanFold => false;

    /// <summary>How an error message names this node: <c>number 5</c>, <c>an arithmetic expression</c>, …</summary>
    public virtual string Description => "an expression";

    /// <exception cref="FilterEvaluationException">The operands can't be combined.</exception>
    public abstract SqlValue Evaluate(IFilterMessage message);

    /// <summary>Evaluates a node used as a condition: true, false, or null for unknown.</summary>
    protected static bool? EvaluateCondition(SqlNode node, IFilterMessage message)
    {
        var value = node.Evaluate(message);
        return value.Type switch
        {
            SqlType.Boolean => value.AsBoolean,
            SqlType.Null => null,
            _ => throw new FilterEvaluationException($"Expected a Boolean condition, found {value.Described}", node.Start),
        };
    }
}
