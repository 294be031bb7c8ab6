namespace Ferry.Broker.Filters;

/// <summary>
/// A SQL filter or action failed on a particular message: operands of types that can't be compared or combined, an
/// arithmetic overflow or division by zero, a non-Boolean condition, or an action value a system property can't
/// hold. Azure calls this a FilterException; a subscription with DeadLetteringOnFilterEvaluationExceptions
/// dead-letters the message, otherwise the rule is treated as not matching.
/// </summary>
public sealed class FilterEvaluationException : Exception
{
    public FilterEvaluationException() : this("The filter could not be evaluated.") { }

    public FilterEvaluationException(string message) : base(message) { }

    public FilterEvaluationException(string message, Exception innerException) : base(message, innerException) { }

    internal FilterEvaluationException(string message, int position, Exception? innerException = null)
        : base($"{message} at position {position}", innerException)
    {
        Position = position;
        Reason = message;
    }

    /// <summary>Zero-based offset in the expression of the operator or operand that failed; -1 when unknown.</summary>
    public int Position { get; } = -1;

    /// <summary>The message without the position, for re-reporting a constant expression's failure as a syntax error.</summary>
    internal string? Reason { get; }
}
