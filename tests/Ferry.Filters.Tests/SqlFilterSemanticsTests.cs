namespace Ferry.Filters.Tests;

/// <summary>Operators, types, three-valued logic, LIKE, IN, EXISTS and parameters, beyond the grammar table.</summary>
public class SqlFilterSemanticsTests
{
    private static FilterMessage With(string name, object? value)
    {
        var message = new FilterMessage();
        message.Properties[name] = value;
        return message;
    }

    private static FilterMessage With(string a, object? aValue, string b, object? bValue)
    {
        var message = With(a, aValue);
        message.Properties[b] = bValue;
        return message;
    }

    // T, F and U (unknown: a missing property compared) as operands of the logic operators.
    public static TheoryData<string, string, bool?> AndTable => new()
    {
        { "TRUE", "TRUE", true }, { "TRUE", "FALSE", false }, { "TRUE", "U", null },
        { "FALSE", "TRUE", false }, { "FALSE", "FALSE", false }, { "FALSE", "U", false },
        { "U", "TRUE", null }, { "U", "FALSE", false }, { "U", "U", null },
    };

    public static TheoryData<string, string, bool?> OrTable => new()
    {
        { "TRUE", "TRUE", true }, { "TRUE", "FALSE", true }, { "TRUE", "U", true },
        { "FALSE", "TRUE", true }, { "FALSE", "FALSE", false }, { "FALSE", "U", null },
        { "U", "TRUE", true }, { "U", "FALSE", null }, { "U", "U", null },
    };

    // On Flags, (flag = TRUE) is TRUE and (flag = FALSE) is FALSE, evaluated per message rather than folded.
    private static string Operand(string value) => value == "U" ? "(missing = 1)" : $"(flag = {value})";

    private static readonly FilterMessage Flags = With("flag", true);

    [Theory]
    [MemberData(nameof(AndTable))]
    public void And_ThreeValuedOperands_FollowsAzureTruthTable(string left, string right, bool? expected)
    {
        Assert.Equal(expected, Messages.Evaluate($"{Operand(left)} AND {Operand(right)}", Flags));
    }

    [Theory]
    [MemberData(nameof(OrTable))]
    public void Or_ThreeValuedOperands_FollowsAzureTruthTable(string left, string right, bool? expected)
    {
        Assert.Equal(expected, Messages.Evaluate($"{Operand(left)} OR {Operand(right)}", Flags));
    }

    [Theory]
    [InlineData("TRUE", false)]
    [InlineData("FALSE", true)]
    [InlineData("U", null)]
    public void Not_ThreeValuedOperand_NegatesAndKeepsUnknown(string operand, bool? expected)
    {
        Assert.Equal(expected, Messages.Evaluate($"NOT {Operand(operand)}", Flags));
    }

    [Fact]
    public void And_FalseOnTheLeft_DoesNotEvaluateTheRight()
    {
        // The right side would fail (String compared with Int64) if it were evaluated.
        Assert.False(Messages.Evaluate("quantity = 0 AND color = 1"));
        Assert.True(Messages.Evaluate("quantity = 10 OR color = 1"));
    }

    [Theory]
    [InlineData(5, 5L, true)]
    [InlineData(5, 5.0, true)]
    [InlineData(5L, 5.0f, true)]
    [InlineData((byte)5, (short)5, true)]
    [InlineData(5u, 5, true)]
    [InlineData(5u, -5, false)]
    [InlineData(ulong.MaxValue, -1L, false)]
    [InlineData(ulong.MaxValue, ulong.MaxValue, true)]
    [InlineData(double.NaN, double.NaN, false)]
    [InlineData(0.1f, 0.1, false)]
    public void Equal_MixedNumericTypes_PromotesAsCSharp(object left, object right, bool expected)
    {
        Assert.Equal(expected, Messages.Evaluate("a = b", With("a", left, "b", right)));
    }

    [Theory]
    [InlineData(7, 2, "a / b", 3)]
    [InlineData(-7, 2, "a / b", -3)]
    [InlineData(-7, 2, "a % b", -1)]
    [InlineData(7, 2, "a * b", 14)]
    [InlineData(7, 2, "a - b", 5)]
    [InlineData(7, 2, "a + b", 9)]
    public void Arithmetic_Int32Operands_IsIntegerArithmetic(int a, int b, string expression, int expected)
    {
        Assert.True(Messages.Evaluate($"{expression} = @r", With("a", a, "b", b), new Dictionary<string, object?> { ["@r"] = expected }));
    }

    [Theory]
    [InlineData("a + b", 3.0)]
    [InlineData("a / b", 0.5)]
    [InlineData("a % b", 1.0)]
    public void Arithmetic_WithDouble_IsDoubleArithmetic(string expression, double expected)
    {
        Assert.True(Messages.Evaluate($"{expression} = @r", With("a", 1, "b", 2.0), new Dictionary<string, object?> { ["r"] = expected }));
    }

    [Theory]
    [InlineData("a / 0 = 1", "Division by zero in '/' at position 2")]
    [InlineData("a % 0 = 1", "Division by zero in '%' at position 2")]
    [InlineData("a * a * a * a * a > 0", "Arithmetic overflow in '*' on Int64 and Int64 at position 10")]
    [InlineData("a = 'x'", "Cannot compare Int64 with String using '=' at position 2")]
    [InlineData("a - 'x' = 1", "Operator '-' can't be applied to Int64 and String at position 2")]
    public void Arithmetic_Failure_ThrowsEvaluationErrorWithPosition(string expression, string message)
    {
        var filter = new SqlFilter(expression);
        var ex = Assert.Throws<FilterEvaluationException>(() => filter.Match(With("a", 100000L)));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Arithmetic_Int32Overflow_ThrowsEvaluationError()
    {
        var ex = Assert.Throws<FilterEvaluationException>(() => Messages.Evaluate("a + a > 0", With("a", int.MaxValue)));
        Assert.Equal("Arithmetic overflow in '+' on Int32 and Int32 at position 2", ex.Message);
        Assert.Equal(2, ex.Position);
    }

    [Fact]
    public void Arithmetic_DoubleDivisionByZero_IsInfinityAsInCSharp()
    {
        Assert.True(Messages.Evaluate("a / 0 > 1.0E308", With("a", 1.0)));
    }

    [Theory]
    [InlineData("color = 5", "Cannot compare String with Int64 using '=' at position 6")]
    [InlineData("color > 5", "Cannot compare String with Int64 using '>' at position 6")]
    [InlineData("flag > TRUE", "Operator '>' can't compare Boolean values at position 5")]
    [InlineData("flag = 1", "Cannot compare Boolean with Int64 using '=' at position 5")]
    [InlineData("id = 'x'", "Cannot compare Guid with String using '=' at position 3")]
    [InlineData("when = 1", "Cannot compare DateTime with Int64 using '=' at position 5")]
    [InlineData("span = 1", "Cannot compare TimeSpan with Int64 using '=' at position 5")]
    [InlineData("bin = 'x'", "Cannot compare Byte[] with String using '=' at position 4")]
    [InlineData("color IN (1, 2)", "Cannot compare String with Int64 using '=' at position 10")]
    [InlineData("quantity LIKE '1%'", "LIKE needs a String operand, found an Int32 value at position 0")]
    [InlineData("color LIKE quantity", "The LIKE pattern must be a String, found an Int32 value at position 11")]
    [InlineData("color LIKE 'r' ESCAPE color", "The ESCAPE character must be a String of one character, found 'red' at position 22")]
    [InlineData("color LIKE color + '!' ESCAPE '!'", "The LIKE pattern ends with the escape character at position 11")]
    [InlineData("color", "Expected a Boolean condition, found a String value at position 0")]
    [InlineData("quantity AND TRUE", "Expected a Boolean condition, found an Int32 value at position 0")]
    [InlineData("NOT color", "Expected a Boolean condition, found a String value at position 4")]
    [InlineData("-color = 1", "Operator '-' can't be applied to String at position 0")]
    [InlineData("when + when > when", "Operator '+' can't be applied to DateTime and DateTime at position 5")]
    [InlineData("p(quantity) = 1", "property() needs a String name, found an Int32 value at position 2")]
    [InlineData("p('sys.' + color) = 1", "Unknown system property 'sys.red' at position 2")]
    public void Filter_IncompatibleTypesInMessage_ThrowsEvaluationError(string expression, string message)
    {
        var filter = new SqlFilter(expression);
        var ex = Assert.Throws<FilterEvaluationException>(() => filter.Match(Messages.Sample()));
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("abc", "ab", false)]
    [InlineData("abc", "a%", true)]
    [InlineData("abc", "%c", true)]
    [InlineData("abc", "%b%", true)]
    [InlineData("abc", "%%", true)]
    [InlineData("", "%", true)]
    [InlineData("", "_", false)]
    [InlineData("", "", true)]
    [InlineData("abc", "", false)]
    [InlineData("abc", "___", true)]
    [InlineData("abc", "__", false)]
    [InlineData("abc", "a_c", true)]
    [InlineData("abc", "_%_", true)]
    [InlineData("ab", "_%_%_", false)]
    [InlineData("aaa", "%a%a%a%", true)]
    [InlineData("aab", "%ab", true)]
    [InlineData("abab", "%ab%ab", true)]
    [InlineData("mississippi", "%iss%pi", true)]
    [InlineData("mississippi", "m%ss%x", false)]
    [InlineData("ABC", "abc", false)]
    [InlineData("a.c", "a.c", true)]
    [InlineData("abc", "a.c", false)]
    [InlineData("a*c", "a*c", true)]
    [InlineData("a[b]c", "a[b]c", true)]
    [InlineData("a\nb", "a_b", true)]
    public void Like_Pattern_MatchesPercentAndUnderscoreOnly(string text, string pattern, bool expected)
    {
        Assert.Equal(expected, Messages.Evaluate("t LIKE @p", With("t", text), new Dictionary<string, object?> { ["p"] = pattern }));
        // A pattern computed per message (not constant) takes the other path.
        Assert.Equal(expected, Messages.Evaluate("t LIKE p", With("t", text, "p", pattern)));
    }

    [Theory]
    [InlineData("50%", "50\\%", "\\", true)]
    [InlineData("500", "50\\%", "\\", false)]
    [InlineData("a_b", "a!_b", "!", true)]
    [InlineData("axb", "a!_b", "!", false)]
    [InlineData("a!b", "a!!b", "!", true)]
    [InlineData("ab", "!a!b", "!", true)]
    [InlineData("a%b", "%!%%", "!", true)]
    [InlineData("ab", "%!%%", "!", false)]
    [InlineData("a%", "a%%", "%", true)]
    [InlineData("a%x", "a%%", "%", false)]
    [InlineData("a_", "a__", "_", true)]
    public void Like_Escape_MakesTheNextCharacterLiteral(string text, string pattern, string escape, bool expected)
    {
        var parameters = new Dictionary<string, object?> { ["p"] = pattern, ["e"] = escape };
        Assert.Equal(expected, Messages.Evaluate("t LIKE @p ESCAPE @e", With("t", text), parameters));
        Assert.Equal(expected, Messages.Evaluate("t LIKE p ESCAPE @e", With("t", text, "p", pattern), parameters));
    }

    [Theory]
    [InlineData("t LIKE NULL")]
    [InlineData("t LIKE 'a' ESCAPE NULL")]
    [InlineData("t NOT LIKE NULL")]
    [InlineData("NULL LIKE 'a'")]
    public void Like_NullOperand_IsUnknown(string expression)
    {
        Assert.Null(Messages.Evaluate(expression, With("t", "a")));
    }

    [Theory]
    [InlineData("x IN (1, 2, 3)", 2, true)]
    [InlineData("x IN (1, 2, 3)", 4, false)]
    [InlineData("x NOT IN (1, 2, 3)", 4, true)]
    [InlineData("x IN (1.5, 2)", 2, true)]
    [InlineData("x IN (y, 7)", 7, true)]
    [InlineData("x IN (NULL)", 7, null)]
    [InlineData("x NOT IN (NULL, 8)", 7, null)]
    [InlineData("x NOT IN (NULL, 7)", 7, false)]
    [InlineData("x IN (missing, 7)", 7, true)]
    public void In_List_ComparesEachItemWithEquality(string expression, int x, bool? expected)
    {
        Assert.Equal(expected, Messages.Evaluate(expression, With("x", x, "y", 99)));
    }

    [Theory]
    [InlineData("s IN ('a', 'B')", "b", false)]
    [InlineData("s IN ('a', 'b')", "b", true)]
    [InlineData("s IN ('a')", null, null)]
    public void In_Strings_AreCaseSensitive(string expression, string? s, bool? expected)
    {
        Assert.Equal(expected, Messages.Evaluate(expression, With("s", s)));
    }

    [Fact]
    public void Exists_PresentWithNullValue_IsTrueWhileIsNullIsAlsoTrue()
    {
        var message = With("p", null);
        Assert.True(Messages.Evaluate("EXISTS(p)", message));
        Assert.True(Messages.Evaluate("p IS NULL", message));
        Assert.False(Messages.Evaluate("EXISTS(q)", message));
        Assert.True(Messages.Evaluate("q IS NULL", message));
        Assert.True(Messages.Evaluate("EXISTS(P)", message));
    }

    [Fact]
    public void UserProperty_NameDiffersInCase_IsFoundExactFirst()
    {
        var message = With("Key", 1, "key", 2);
        Assert.True(Messages.Evaluate("Key = 1", message));
        Assert.True(Messages.Evaluate("key = 2", message));
        Assert.True(Messages.Evaluate("KEY IN (1, 2)", message));
    }

    [Fact]
    public void UserProperty_CaseInsensitiveDictionary_IsLookedUpOnce()
    {
        var message = new FilterMessage(new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["Color"] = "red" });
        Assert.True(Messages.Evaluate("color = 'red'", message));
        Assert.False(Messages.Evaluate("EXISTS(other)", message));
    }

    [Theory]
    [InlineData("@p", "orders")]
    [InlineData("p", "orders")]
    public void Parameter_NamedWithOrWithoutAt_IsSubstituted(string key, string value)
    {
        var filter = new SqlFilter("source = @p", new Dictionary<string, object?> { [key] = value });
        Assert.True(filter.Match(With("source", "orders")));
        Assert.False(filter.Match(With("source", "other")));
        Assert.Equal(value, filter.Parameters[key]);
    }

    public static TheoryData<object?, string, bool?> ParameterValues => new()
    {
        { "text", "'text'", true },
        { 5, "5", true },
        { 5L, "5", true },
        { 5u, "5", true },
        { (short)5, "5", true },
        { 2.5, "2.5", true },
        { 2.5f, "2.5", true },
        { 2.5m, "2.5", true },
        { true, "TRUE", true },
        { 'c', "'c'", true },
        { null, "1", null },
    };

    [Theory]
    [MemberData(nameof(ParameterValues))]
    public void Parameter_SupportedType_ComparesLikeALiteral(object? value, string literal, bool? expected)
    {
        var parameters = new Dictionary<string, object?> { ["v"] = value };
        Assert.Equal(expected, Messages.Evaluate($"@v = {literal}", new FilterMessage(), parameters));
    }

    [Fact]
    public void Parameter_TimesAndGuids_CompareWithProperties()
    {
        var parameters = new Dictionary<string, object?>
        {
            ["@dt"] = Messages.When.AddDays(1),
            ["@dto"] = new DateTimeOffset(Messages.When),
            ["@ts"] = TimeSpan.FromMinutes(10),
            ["@id"] = Messages.Id,
        };
        Assert.True(Messages.Evaluate("when < @dt AND when = @dto AND span < @ts AND id = @id", parameters: parameters));
        Assert.True(Messages.Evaluate("(sys.EnqueuedTimeUtc - when) > @ts", parameters: parameters));
    }

    [Fact]
    public void Parameter_NameIsCaseInsensitive()
    {
        Assert.True(Messages.Evaluate("@Param = 1", new FilterMessage(), new Dictionary<string, object?> { ["@param"] = 1 }));
    }

    [Fact]
    public void Parameter_UnsupportedType_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SqlFilter("@p = 1", new Dictionary<string, object?> { ["p"] = new byte[1] }));
        Assert.StartsWith("The parameter 'p' is a Byte[]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parameter_GivenTwice_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            new SqlFilter("@p = 1", new Dictionary<string, object?> { ["p"] = 1, ["@P"] = 2 }));
        Assert.StartsWith("The parameter '@P' is given more than once.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parameter_DictionaryChangedAfterCreation_DoesNotAffectTheFilter()
    {
        var parameters = new Dictionary<string, object?> { ["p"] = 1 };
        var filter = new SqlFilter("x = @p", parameters);
        parameters["p"] = 2;
        Assert.True(filter.Match(With("x", 1)));
        Assert.Equal(1, filter.Parameters["p"]);
    }

    [Fact]
    public void Filter_Equality_IsByExpressionAndParameters()
    {
        var p1 = new Dictionary<string, object?> { ["p"] = 1 };
        Assert.Equal(new SqlFilter("x = @p", p1), new SqlFilter("x = @p", new Dictionary<string, object?> { ["p"] = 1 }));
        Assert.NotEqual(new SqlFilter("x = @p", p1), new SqlFilter("x = @p", new Dictionary<string, object?> { ["p"] = 2 }));
        Assert.NotEqual(new SqlFilter("x = 1"), new SqlFilter("x  = 1"));
        Assert.Equal(new SqlFilter("x = 1").GetHashCode(), new SqlFilter("x = 1").GetHashCode());
    }

    [Fact]
    public void Filter_EvaluatedConcurrently_GivesTheSameResults()
    {
        var filter = new SqlFilter("color LIKE 'r%' AND quantity * 2 = 20 AND NOT EXISTS(missing)");
        var message = Messages.Sample();
        Parallel.For(0, 10_000, _ => Assert.True(filter.Match(message)));
    }

    [Fact]
    public void Filter_Evaluation_DoesNotAllocate()
    {
        var filter = new SqlFilter("sys.Label LIKE '%bus%' AND quantity * 2 >= 20 AND color IN ('red', 'blue') AND price > 1.5 AND EXISTS(flag)");
        var message = Messages.Sample();
        for (var i = 0; i < 10_000; i++)
            Assert.True(filter.Match(message));
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
            filter.Match(message);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
