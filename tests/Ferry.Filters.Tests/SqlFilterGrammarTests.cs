namespace Ferry.Filters.Tests;

/// <summary>Valid expressions and what they give on <see cref="Messages.Sample"/>: true, false, or null for unknown.</summary>
public class SqlFilterGrammarTests
{
    [Theory]
    // Comparison operators on strings and numbers.
    [InlineData("color = 'red'", true)]
    [InlineData("color = 'Red'", false)]
    [InlineData("color <> 'blue'", true)]
    [InlineData("color != 'red'", false)]
    [InlineData("quantity = 10", true)]
    [InlineData("quantity > 5", true)]
    [InlineData("quantity >= 10", true)]
    [InlineData("quantity < 10", false)]
    [InlineData("quantity <= 10", true)]
    [InlineData("quantity<>10", false)]
    [InlineData("'abc' < 'abd'", true)]
    [InlineData("'b' >= 'a'", true)]
    // Numbers: integer, decimal, approximate; promotion between types.
    [InlineData("quantity = 10.0", true)]
    [InlineData("price > 2", true)]
    [InlineData("price = 2.5", true)]
    [InlineData("price = 25E-1", true)]
    [InlineData("1.5E2 = 150", true)]
    [InlineData("101.5E5 = 10150000", true)]
    [InlineData("0.5e-2 = 0.005", true)]
    [InlineData(".5 = 0.5", true)]
    [InlineData("1. = 1", true)]
    [InlineData("quantity = 10.0E0", true)]
    [InlineData("big > 4000000000", true)]
    [InlineData("big = 5000000000", true)]
    [InlineData("u = 7", true)]
    [InlineData("u + quantity = 17", true)]
    [InlineData("ul > 0", true)]
    [InlineData("ul > 1.0E19", true)]
    [InlineData("ul > -1", true)]
    [InlineData("dec = 1.25", true)]
    [InlineData("dec + 1 = 2.25", true)]
    [InlineData("f = 1.5", true)]
    [InlineData("b = 3", true)]
    [InlineData("s = -4", true)]
    [InlineData("ch = 'x'", true)]
    [InlineData("9223372036854775807 > 0", true)]
    [InlineData("-9223372036854775808 < 0", true)]
    // Arithmetic, unary operators and precedence.
    [InlineData("price * 2 = 5", true)]
    [InlineData("quantity + 1 = 11", true)]
    [InlineData("quantity - 11 = -1", true)]
    [InlineData("quantity * 3 = 30", true)]
    [InlineData("quantity / 3 = 3", true)]
    [InlineData("quantity % 3 = 1", true)]
    [InlineData("quantity / 4.0 = 2.5", true)]
    [InlineData("-quantity = -10", true)]
    [InlineData("+quantity = 10", true)]
    [InlineData("- -quantity = 10", true)]
    [InlineData("1 + 2 * 3 = 7", true)]
    [InlineData("(1 + 2) * 3 = 9", true)]
    [InlineData("10 - 2 - 3 = 5", true)]
    [InlineData("100 / 10 / 5 = 2", true)]
    [InlineData("2 * 3 % 4 = 2", true)]
    [InlineData("-2 * -3 = 6", true)]
    [InlineData("quantity = 5 + 5", true)]
    // Strings: doubled quotes, concatenation.
    [InlineData("'it''s' = 'it' + '''s'", true)]
    [InlineData("'a' + 1 = 'a1'", true)]
    [InlineData("color + '!' = 'red!'", true)]
    [InlineData("'' = ''", true)]
    // Booleans and conditions.
    [InlineData("flag = TRUE", true)]
    [InlineData("flag", true)]
    [InlineData("(flag)", true)]
    [InlineData("NOT flag", false)]
    [InlineData("flag <> FALSE", true)]
    [InlineData("TRUE", true)]
    [InlineData("FALSE", false)]
    [InlineData("1 = 1", true)]
    [InlineData("1=1", true)]
    [InlineData("1 = 0", false)]
    [InlineData("flag AND quantity = 10", true)]
    [InlineData("TRUE AND TRUE OR FALSE", true)]
    // AND binds tighter than OR; NOT looser than comparison.
    [InlineData("color = 'red' AND quantity = 10", true)]
    [InlineData("color = 'red' AND quantity = 11", false)]
    [InlineData("color = 'blue' OR quantity = 10", true)]
    [InlineData("color = 'blue' OR quantity = 11", false)]
    [InlineData("color = 'red' OR color = 'blue' AND quantity = 11", true)]
    [InlineData("(color = 'red' OR color = 'blue') AND quantity = 11", false)]
    [InlineData("NOT color = 'blue'", true)]
    [InlineData("NOT color = 'red' OR quantity = 10", true)]
    [InlineData("NOT (color = 'red' OR quantity = 10)", false)]
    [InlineData("NOT NOT flag", true)]
    [InlineData("quantity = 10 AND (price > 2 AND (flag = TRUE))", true)]
    [InlineData("((((quantity)))) = 10", true)]
    // NULL and unknown.
    [InlineData("NULL = NULL", null)]
    [InlineData("missing = 1", null)]
    [InlineData("missing <> 1", null)]
    [InlineData("nothing = 1", null)]
    [InlineData("missing + 1 = 1", null)]
    [InlineData("missing IS NULL", true)]
    [InlineData("missing IS NOT NULL", false)]
    [InlineData("nothing IS NULL", true)]
    [InlineData("color IS NOT NULL", true)]
    [InlineData("NULL IS NULL", true)]
    [InlineData("missing = 1 AND FALSE", false)]
    [InlineData("missing = 1 OR TRUE", true)]
    [InlineData("missing = 1 AND TRUE", null)]
    [InlineData("missing = 1 OR FALSE", null)]
    [InlineData("NOT missing = 1", null)]
    // EXISTS.
    [InlineData("EXISTS(color)", true)]
    [InlineData("EXISTS (nothing)", true)]
    [InlineData("EXISTS(missing)", false)]
    [InlineData("NOT EXISTS(missing)", true)]
    [InlineData("EXISTS(user.color)", true)]
    [InlineData("EXISTS([name with space])", true)]
    [InlineData("EXISTS(sys.CorrelationId)", true)]
    [InlineData("EXISTS(sys.ScheduledEnqueueTimeUtc)", false)]
    // IN.
    [InlineData("color IN ('red', 'green')", true)]
    [InlineData("color IN('red')", true)]
    [InlineData("color IN ('blue')", false)]
    [InlineData("color NOT IN ('blue', 'green')", true)]
    [InlineData("color NOT IN ('red')", false)]
    [InlineData("quantity IN (1, 5, 10)", true)]
    [InlineData("quantity IN (1, 5 + 5)", true)]
    [InlineData("missing IN (1, 2)", null)]
    [InlineData("missing NOT IN (1, 2)", null)]
    [InlineData("color IN ('blue', NULL)", null)]
    [InlineData("color IN ('red', NULL)", true)]
    [InlineData("color NOT IN ('blue', NULL)", null)]
    [InlineData("id IN (id)", true)]
    // LIKE.
    [InlineData("color LIKE 'r%'", true)]
    [InlineData("color LIKE '%d'", true)]
    [InlineData("color LIKE 'r_d'", true)]
    [InlineData("color LIKE 'R%'", false)]
    [InlineData("color NOT LIKE 'b%'", true)]
    [InlineData("color LIKE '%'", true)]
    [InlineData("pct LIKE '50!%' ESCAPE '!'", true)]
    [InlineData("pct LIKE '5_!%' ESCAPE '!'", true)]
    [InlineData("missing LIKE '%'", null)]
    [InlineData("sys.Label LIKE '%bus%'", true)]
    // Names: scopes, case-insensitivity, delimited and quoted identifiers, keywords after a scope.
    [InlineData("sys.label = 'bus label'", true)]
    [InlineData("SYS.MESSAGEID = 'm-1'", true)]
    [InlineData("sys.Subject = 'bus label'", true)]
    [InlineData("user.color = 'red'", true)]
    [InlineData("USER.Color = 'red'", true)]
    [InlineData("Mixed = 'case'", true)]
    [InlineData("mixed = 'case'", true)]
    [InlineData("[name with space] = 'x'", true)]
    [InlineData("[HR-EmployeeID] = 42", true)]
    [InlineData("\"HR-EmployeeID\" = 42", true)]
    [InlineData("user.[name with space] = 'x'", true)]
    [InlineData("[a]]b] IS NULL", true)]
    [InlineData("\"a\"\"b\" IS NULL", true)]
    [InlineData("user.and IS NULL", true)]
    [InlineData("set IS NULL", true)]
    [InlineData("naïve IS NULL", true)]
    [InlineData("x_1 IS NULL", true)]
    // Keywords in any case; whitespace including line breaks.
    [InlineData("color = 'red' and quantity = 10", true)]
    [InlineData("color like 'r%' Or FALSE", true)]
    [InlineData("missing is not null", false)]
    [InlineData("color\n=\n'red'", true)]
    [InlineData("\t color = 'red' \r\n", true)]
    // Times and time spans.
    [InlineData("sys.EnqueuedTimeUtc > when", true)]
    [InlineData("sys.EnqueuedTimeUtc - when > span", true)]
    [InlineData("when + span > when", true)]
    [InlineData("when - span < when", true)]
    [InlineData("whenOffset = when", true)]
    [InlineData("span + span > span", true)]
    [InlineData("-span < span", true)]
    // Functions.
    [InlineData("p('color') = 'red'", true)]
    [InlineData("property('sys.Label') = 'bus label'", true)]
    [InlineData("P('user.quantity') = 10", true)]
    [InlineData("p('col' + 'or') = 'red'", true)]
    [InlineData("newid() <> newid()", true)]
    [InlineData("newid() IS NOT NULL", true)]
    [InlineData("id = id", true)]
    public void Filter_ValidExpression_EvaluatesAsAzure(string expression, bool? expected)
    {
        Assert.Equal(expected, Messages.Evaluate(expression));
    }

    [Theory]
    [InlineData("1=1", true)]
    [InlineData("TRUE", true)]
    [InlineData("1 = 0", false)]
    [InlineData("'a' = 'a' AND 2 > 1", true)]
    [InlineData("NULL = 1", null)]
    [InlineData("color = 'red'", null)]
    public void Filter_ConstantExpression_IsFoldedWhenCreated(string expression, bool? expected)
    {
        Assert.Equal(expected, new SqlFilter(expression).ConstantValue);
    }

    [Fact]
    public void Filter_MatchOnUnknown_DoesNotMatch()
    {
        var filter = new SqlFilter("missing = 1");
        Assert.Null(filter.Evaluate(Messages.Sample()));
        Assert.False(filter.Match(Messages.Sample()));
        Assert.True(new SqlFilter("NOT (missing = 1) OR TRUE").Match(Messages.Sample()));
    }

    [Fact]
    public void Filter_ExpressionOf1024Characters_IsAccepted()
    {
        var expression = "color = '" + new string('x', 1024 - 10) + "'";
        Assert.Equal(1024, expression.Length);
        Assert.False(new SqlFilter(expression).Match(Messages.Sample()));
    }

    [Fact]
    public void Filter_NestedToTheLimit_IsAccepted()
    {
        var expression = new string('(', 64) + "TRUE" + new string(')', 64);
        Assert.True(new SqlFilter(expression).Match(Messages.Sample()));
    }
}
