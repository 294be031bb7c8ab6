namespace Ferry.Broker.Filters;

/// <summary>What the parser knows about a node's value before evaluation, for reporting misplaced operands early.</summary>
internal enum NodeShape : byte
{
    /// <summary>Known only at evaluation (a property, NULL): may be a Boolean or not.</summary>
    Any,

    /// <summary>Always a Boolean or unknown: comparisons, logic, LIKE, IN, IS NULL, EXISTS, TRUE, FALSE.</summary>
    Condition,

    /// <summary>Never a Boolean: numbers, strings, arithmetic, newid().</summary>
    Value,
}
