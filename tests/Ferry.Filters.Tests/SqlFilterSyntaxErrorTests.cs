namespace Ferry.Filters.Tests;

/// <summary>Invalid filters: the exact message, so the position and the expected/found parts are pinned.</summary>
public class SqlFilterSyntaxErrorTests
{
    [Theory]
    // Missing operands and trailing tokens.
    [InlineData("", "Expected a condition at position 0 (line 1, column 1), found end of expression")]
    [InlineData("   ", "Expected a condition at position 3 (line 1, column 4), found end of expression")]
    [InlineData("sys.Label = ", "Expected an operand after '=' at position 12 (line 1, column 13), found end of expression")]
    [InlineData("color =", "Expected an operand after '=' at position 7 (line 1, column 8), found end of expression")]
    [InlineData("color = 'red' AND", "Expected an operand after AND at position 17 (line 1, column 18), found end of expression")]
    [InlineData("color = 'red' OR", "Expected an operand after OR at position 16 (line 1, column 17), found end of expression")]
    [InlineData("NOT", "Expected an operand after NOT at position 3 (line 1, column 4), found end of expression")]
    [InlineData("quantity + ", "Expected an operand after '+' at position 11 (line 1, column 12), found end of expression")]
    [InlineData("quantity * * 2 = 1", "Expected an operand after '*' at position 11 (line 1, column 12), found '*'")]
    [InlineData("- = 1", "Expected an operand after '-' at position 2 (line 1, column 3), found '='")]
    [InlineData("color = AND", "Expected an operand after '=' at position 8 (line 1, column 9), found keyword AND")]
    [InlineData("AND = 1", "Expected a condition at position 0 (line 1, column 1), found keyword AND")]
    [InlineData("color 'red'", "Expected AND, OR or end of expression at position 6 (line 1, column 7), found string 'red'")]
    [InlineData("color = 1 = 2", "Expected AND, OR or end of expression at position 10 (line 1, column 11), found '='")]
    [InlineData("color = 'red')", "Expected AND, OR or end of expression at position 13 (line 1, column 14), found ')'")]
    [InlineData("color = 'red' x", "Expected AND, OR or end of expression at position 14 (line 1, column 15), found identifier 'x'")]
    [InlineData("color = 'red' [x]", "Expected AND, OR or end of expression at position 14 (line 1, column 15), found identifier [x]")]
    [InlineData("a = 1 @p", "Expected AND, OR or end of expression at position 6 (line 1, column 7), found parameter @p")]
    [InlineData("(color = 'red'", "Expected ')' at position 14 (line 1, column 15), found end of expression")]
    [InlineData("a = 1,", "Expected AND, OR or end of expression at position 5 (line 1, column 6), found ','")]
    // IS, NOT, IN, LIKE, EXISTS.
    [InlineData("color IS 1", "Expected NULL after IS at position 9 (line 1, column 10), found number 1")]
    [InlineData("color IS NOT 'x'", "Expected NULL after IS NOT at position 13 (line 1, column 14), found string 'x'")]
    [InlineData("color NOT 'x'", "Expected IN or LIKE after NOT at position 10 (line 1, column 11), found string 'x'")]
    [InlineData("color IN 'x'", "Expected '(' after IN at position 9 (line 1, column 10), found string 'x'")]
    [InlineData("color NOT IN 'x'", "Expected '(' after NOT IN at position 13 (line 1, column 14), found string 'x'")]
    [InlineData("color IN ('a' 'b')", "Expected ',' or ')' in the IN list at position 14 (line 1, column 15), found string 'b'")]
    [InlineData("color IN ('a',)", "Expected an operand after ',' at position 14 (line 1, column 15), found ')'")]
    [InlineData("color IN ()", "Expected an operand after '(' at position 10 (line 1, column 11), found ')'")]
    [InlineData("color IN ('a'", "Expected ',' or ')' in the IN list at position 13 (line 1, column 14), found end of expression")]
    [InlineData("color LIKE", "Expected an operand after LIKE at position 10 (line 1, column 11), found end of expression")]
    [InlineData("color LIKE 'a' ESCAPE", "Expected an operand after ESCAPE at position 21 (line 1, column 22), found end of expression")]
    [InlineData("color LIKE 5", "Expected a string pattern after LIKE at position 11 (line 1, column 12), found number 5")]
    [InlineData("color LIKE 'a' ESCAPE 'ab'", "Expected an ESCAPE character (a string of one character) at position 22 (line 1, column 23), found string 'ab'")]
    [InlineData("color LIKE 'a' ESCAPE ''", "Expected an ESCAPE character (a string of one character) at position 22 (line 1, column 23), found string ''")]
    [InlineData("color LIKE 'a!' ESCAPE '!'", "The LIKE pattern ends with the escape character at position 11 (line 1, column 12)")]
    [InlineData("(a = 1) LIKE 'x'", "Expected a String operand before LIKE at position 1 (line 1, column 2), found a condition")]
    [InlineData("EXISTS color", "Expected '(' after EXISTS at position 7 (line 1, column 8), found identifier 'color'")]
    [InlineData("EXISTS(1)", "Expected a property name after 'EXISTS(' at position 7 (line 1, column 8), found number 1")]
    [InlineData("EXISTS(color", "Expected ')' after the property name in EXISTS at position 12 (line 1, column 13), found end of expression")]
    [InlineData("EXISTS(AND)", "Expected a property name after 'EXISTS(' at position 7 (line 1, column 8), found keyword AND")]
    // Names, scopes, parameters and functions.
    [InlineData("sys.Foo = 1", "Unknown system property 'sys.Foo' at position 4 (line 1, column 5)")]
    [InlineData("EXISTS(sys.Nope)", "Unknown system property 'sys.Nope' at position 11 (line 1, column 12)")]
    [InlineData("foo.bar = 1", "Unknown scope 'foo'; the scopes are sys and user (put a name containing '.' in [brackets]) at position 0 (line 1, column 1)")]
    [InlineData("sys. = 1", "Expected a property name after 'sys.' at position 5 (line 1, column 6), found '='")]
    [InlineData("user.'x' = 1", "Expected a property name after 'user.' at position 5 (line 1, column 6), found string 'x'")]
    [InlineData("@missing = 1", "The parameter '@missing' is not defined at position 0 (line 1, column 1)")]
    [InlineData("foo(1) = 1", "Unknown function 'foo'; the functions are newid(), property(name) and p(name) at position 0 (line 1, column 1)")]
    [InlineData("newid(1) IS NULL", "Expected ')' after 'newid(' at position 6 (line 1, column 7), found number 1")]
    [InlineData("p(5) = 1", "Expected a string property name in p() at position 2 (line 1, column 3), found number 5")]
    [InlineData("p('x' = 1", "Expected ')' after the argument of p() at position 6 (line 1, column 7), found '='")]
    [InlineData("p('sys.Nope') = 1", "Unknown system property 'sys.Nope' at position 2 (line 1, column 3)")]
    // Conditions where values are needed and values where conditions are.
    [InlineData("5", "Expected a condition at position 0 (line 1, column 1), found number 5")]
    [InlineData("'abc'", "Expected a condition at position 0 (line 1, column 1), found string 'abc'")]
    [InlineData("color + 1", "Expected a condition at position 0 (line 1, column 1), found an arithmetic expression")]
    [InlineData("newid()", "Expected a condition at position 0 (line 1, column 1), found newid()")]
    [InlineData("NOT 5", "Expected a condition after NOT at position 4 (line 1, column 5), found number 5")]
    [InlineData("5 AND TRUE", "Expected a condition before AND at position 0 (line 1, column 1), found number 5")]
    [InlineData("TRUE OR 'x'", "Expected a condition after OR at position 8 (line 1, column 9), found string 'x'")]
    [InlineData("TRUE + 1 = 2", "Expected a value before '+' at position 0 (line 1, column 1), found TRUE")]
    [InlineData("(a = 1) * 2 = 2", "Expected a value before '*' at position 1 (line 1, column 2), found a condition")]
    [InlineData("2 - (a = 1) = 2", "Expected a value after '-' at position 5 (line 1, column 6), found a condition")]
    [InlineData("-(a = 1) = 2", "Expected a value after unary '-' at position 2 (line 1, column 3), found a condition")]
    // Constant expressions that fail are reported when the rule is created.
    [InlineData("'a' = 1", "Cannot compare String with Int64 using '=' at position 4 (line 1, column 5)")]
    [InlineData("TRUE < FALSE", "Operator '<' can't compare Boolean values at position 5 (line 1, column 6)")]
    [InlineData("1 / 0 = 1", "Division by zero in '/' at position 2 (line 1, column 3)")]
    [InlineData("1 % 0 = 1", "Division by zero in '%' at position 2 (line 1, column 3)")]
    [InlineData("9223372036854775807 + 1 > 0", "Arithmetic overflow in '+' on Int64 and Int64 at position 20 (line 1, column 21)")]
    [InlineData("'a' - 'b' = 'c'", "Operator '-' can't be applied to String and String at position 4 (line 1, column 5)")]
    [InlineData("-'a' = 'a'", "Operator '-' can't be applied to String at position 0 (line 1, column 1)")]
    [InlineData("'a' IN (1)", "Cannot compare String with Int64 using '=' at position 8 (line 1, column 9)")]
    // Lexical errors.
    [InlineData("color = 'red", "Unterminated string at position 8 (line 1, column 9)")]
    [InlineData("[color = 1", "Unterminated delimited identifier at position 0 (line 1, column 1)")]
    [InlineData("\"color = 1", "Unterminated quoted identifier at position 0 (line 1, column 1)")]
    [InlineData("[] = 1", "Expected a property name between the delimiters at position 0 (line 1, column 1), found an empty name")]
    [InlineData("color = 'a' !", "Expected '=' after '!' at position 13 (line 1, column 14), found end of expression")]
    [InlineData("color ! 'a'", "Expected '=' after '!' at position 7 (line 1, column 8), found character U+0020")]
    [InlineData("color # 1", "Unexpected character '#' at position 6 (line 1, column 7)")]
    [InlineData("_x = 1", "Unexpected character '_' at position 0 (line 1, column 1)")]
    [InlineData("color == 1", "Expected an operand after '=' at position 7 (line 1, column 8), found '='")]
    [InlineData("1E = 1", "Expected digits in the exponent of the number at position 2 (line 1, column 3), found character U+0020")]
    [InlineData("1E+", "Expected digits in the exponent of the number at position 3 (line 1, column 4), found end of expression")]
    [InlineData("@ = 1", "Expected a parameter name after '@' at position 1 (line 1, column 2), found character U+0020")]
    [InlineData("99999999999999999999 > 1", "The integer 99999999999999999999 is out of the range of Int64 at position 0 (line 1, column 1)")]
    [InlineData("1E999 > 1", "The number 1E999 is out of the range of Double at position 0 (line 1, column 1)")]
    // Line and column across line breaks.
    [InlineData("color = 'red'\nAND\nquantity >", "Expected an operand after '>' at position 28 (line 3, column 11), found end of expression")]
    [InlineData("a = 1\r\nOR b = ", "Expected an operand after '=' at position 14 (line 2, column 8), found end of expression")]
    public void Filter_InvalidExpression_ThrowsWithPositionExpectedAndFound(string expression, string message)
    {
        var ex = Assert.Throws<FilterSyntaxException>(() => new SqlFilter(expression));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Filter_SyntaxError_ExposesPositionLineColumnProblemAndFound()
    {
        var ex = Assert.Throws<FilterSyntaxException>(() => new SqlFilter("a = 1 AND\n  b IN ('x' 'y')"));
        Assert.Equal(22, ex.Position);
        Assert.Equal(2, ex.Line);
        Assert.Equal(13, ex.Column);
        Assert.Equal("Expected ',' or ')' in the IN list", ex.Problem);
        Assert.Equal("string 'y'", ex.Found);
    }

    [Fact]
    public void Filter_LongerThan1024Characters_IsRejected()
    {
        var expression = "color = '" + new string('x', 1025 - 10) + "'";
        var ex = Assert.Throws<FilterSyntaxException>(() => new SqlFilter(expression));
        Assert.Equal("The expression is 1025 characters long; at most 1024 are allowed at position 1024 (line 1, column 1025)", ex.Message);
    }

    [Fact]
    public void Filter_NestedDeeperThanTheLimit_IsRejected()
    {
        var expression = new string('(', 65) + "TRUE" + new string(')', 65);
        var ex = Assert.Throws<FilterSyntaxException>(() => new SqlFilter(expression));
        Assert.Equal("The expression is nested more than 64 levels deep at position 64 (line 1, column 65)", ex.Message);
    }

    [Fact]
    public void Filter_DeepNotChain_IsRejectedWithoutStackOverflow()
    {
        var expression = string.Concat(Enumerable.Repeat("NOT ", 200)) + "TRUE";
        var ex = Assert.Throws<FilterSyntaxException>(() => new SqlFilter(expression));
        Assert.Equal(256, ex.Position);
    }

    [Fact]
    public void Filter_LongStringWhenFound_IsAbbreviated()
    {
        var ex = Assert.Throws<FilterSyntaxException>(() => new SqlFilter("a = 1 " + new string('z', 60)));
        Assert.Equal($"identifier '{new string('z', 37)}...'", ex.Found);
    }

    [Fact]
    public void Filter_NullExpression_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => new SqlFilter(null!));
    }
}
