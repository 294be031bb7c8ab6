using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Ferry.Filters.Tests;

/// <summary>
/// Whatever the text, compiling it either succeeds or throws <see cref="FilterSyntaxException"/>; evaluating what
/// compiles either gives a result or throws <see cref="FilterEvaluationException"/>. Nothing else escapes.
/// </summary>
public class FilterFuzzTests
{
    private static readonly string[] Fragments =
    [
        "a", "b", "color", "quantity", "flag", "nothing", "sys.", "user.", "sys.Label", "sys.SequenceNumber", "sys.Nope",
        "[x y]", "\"q\"", "'s'", "'it''s'", "''", "1", "0", "2.5", "1E3", ".5", "9223372036854775807", "-", "+", "*", "/",
        "%", "=", "<>", "!=", "<", "<=", ">", ">=", "(", ")", ",", ";", ".", "@p", "@q", "AND", "OR", "NOT", "IS", "NULL",
        "IN", "LIKE", "ESCAPE", "EXISTS", "TRUE", "FALSE", "SET", "REMOVE", "newid", "p", "property", "'%'", "'_'", "'!'",
        " ", " ", " ", "\n", "'", "[", "]", "\"", "!", "@", "#", "é", "1e",
    ];

    private static readonly IReadOnlyDictionary<string, object?> Parameters = new Dictionary<string, object?> { ["p"] = 1, ["q"] = "x" };

    private static bool CompileAndEvaluateNeverThrowsOtherExceptions(string? text)
    {
        if (text is null)
            return true;
        SqlFilter? filter = null;
        SqlRuleAction? action = null;
        try
        {
            filter = new SqlFilter(text, Parameters);
        }
        catch (FilterSyntaxException ex) when (ex.Position >= 0 && ex.Position <= text.Length && ex.Line >= 1 && ex.Column >= 1)
        {
        }
        try
        {
            action = new SqlRuleAction(text, Parameters);
        }
        catch (FilterSyntaxException ex) when (ex.Position >= 0 && ex.Position <= text.Length)
        {
        }
        try
        {
            filter?.Evaluate(Messages.Sample());
        }
        catch (FilterEvaluationException)
        {
        }
        try
        {
            action?.Apply(Messages.Sample());
        }
        catch (FilterEvaluationException)
        {
        }
        return true;
    }

    [Property(MaxTest = 3000)]
    public bool RandomText_CompiledAndEvaluated_ThrowsOnlyFilterExceptions(string text) =>
        CompileAndEvaluateNeverThrowsOtherExceptions(text);

    [Property(MaxTest = 5000)]
    public Property RandomTokenSoup_CompiledAndEvaluated_ThrowsOnlyFilterExceptions()
    {
        var soup = Gen.Elements(Fragments).ListOf().Select(parts => string.Join(" ", parts)).ToArbitrary();
        return Prop.ForAll(soup, CompileAndEvaluateNeverThrowsOtherExceptions);
    }

    [Property(MaxTest = 5000)]
    public Property RandomTokenSoupWithoutSpaces_CompiledAndEvaluated_ThrowsOnlyFilterExceptions()
    {
        var soup = Gen.Elements(Fragments).ListOf().Select(parts => string.Concat(parts)).ToArbitrary();
        return Prop.ForAll(soup, CompileAndEvaluateNeverThrowsOtherExceptions);
    }
}
