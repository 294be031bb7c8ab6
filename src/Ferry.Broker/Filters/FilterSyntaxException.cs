using System.Globalization;

namespace Ferry.Broker.Filters;

/// <summary>
/// A SQL filter or action expression was rejected when the rule was created: a syntax error, an unknown system
/// property or parameter, a constant expression that can't be evaluated, or a limit exceeded. The broker answers
/// add-rule with it; nothing about the rule is kept.
/// </summary>
/// <remarks>
/// The message reads <c>Expected an operand after '=' at position 12 (line 1, column 13), found end of expression</c>:
/// what was expected (or what is wrong), where, and what was found instead.
/// </remarks>
public sealed class FilterSyntaxException : FormatException
{
    public FilterSyntaxException() : this("The expression is not valid.") { }

    public FilterSyntaxException(string message) : base(message) => Problem = message;

    public FilterSyntaxException(string message, Exception innerException) : base(message, innerException) => Problem = message;

    internal FilterSyntaxException(string text, int position, string problem, string? found, Exception? inner = null)
        : base(Format(text, position, problem, found), inner)
    {
        Position = position;
        (Line, Column) = LineAndColumn(text, position);
        Problem = problem;
        Found = found;
    }

    /// <summary>Zero-based character offset of the error in the expression.</summary>
    public int Position { get; }

    /// <summary>One-based line of <see cref="Position"/>; lines end at '\n'.</summary>
    public int Line { get; } = 1;

    /// <summary>One-based column of <see cref="Position"/> within <see cref="Line"/>.</summary>
    public int Column { get; } = 1;

    /// <summary>What was expected or what is wrong, without the location: <c>Expected an operand after '='</c>.</summary>
    public string Problem { get; }

    /// <summary>What was found at <see cref="Position"/> (<c>end of expression</c>, <c>keyword AND</c>, …); null when not applicable.</summary>
    public string? Found { get; }

    private static string Format(string text, int position, string problem, string? found)
    {
        var (line, column) = LineAndColumn(text, position);
        var where = string.Create(CultureInfo.InvariantCulture, $"{problem} at position {position} (line {line}, column {column})");
        return found is null ? where : $"{where}, found {found}";
    }

    private static (int Line, int Column) LineAndColumn(string text, int position)
    {
        var line = 1;
        var lineStart = 0;
        var end = Math.Min(position, text.Length);
        for (var i = 0; i < end; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return (line, position - lineStart + 1);
    }
}
