namespace Ferry.Filters.Tests;

public class RuleTests
{
    private static readonly DateTimeOffset Created = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Default_NewSubscriptionRule_IsTrueFilterWithoutAction()
    {
        var rule = Rule.CreateDefault(Created);
        Assert.Equal("$Default", rule.Name);
        Assert.Same(TrueFilter.Instance, rule.Filter);
        Assert.Same(EmptyRuleAction.Instance, rule.Action);
        Assert.Equal(Created, rule.CreatedAt);
        Assert.True(rule.Match(new FilterMessage()));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("$Default")]
    [InlineData("Rule-1_x.y")]
    [InlineData("with space")]
    [InlineData("ünïcødé")]
    [InlineData("12345678901234567890123456789012345678901234567890")]
    public void Create_ValidName_Succeeds(string name)
    {
        Assert.Null(Rule.ValidateName(name));
        Assert.Equal(name, Rule.Create(name, TrueFilter.Instance, null, Created).Name);
    }

    [Theory]
    [InlineData(null, "the name is empty.")]
    [InlineData("", "the name is empty.")]
    [InlineData("   ", "the name is empty.")]
    [InlineData("123456789012345678901234567890123456789012345678901", "the name is 51 characters long; at most 50 are allowed.")]
    [InlineData("a/b", "the character '/' at position 1 is not allowed.")]
    [InlineData("a\\b", "the character '\\' at position 1 is not allowed.")]
    [InlineData("a@b", "the character '@' at position 1 is not allowed.")]
    [InlineData("a?b", "the character '?' at position 1 is not allowed.")]
    [InlineData("a#b", "the character '#' at position 1 is not allowed.")]
    [InlineData("a*b", "the character '*' at position 1 is not allowed.")]
    [InlineData("a\tb", "the character U+0009 at position 1 is not allowed.")]
    public void Create_InvalidName_ThrowsArgumentException(string? name, string problem)
    {
        Assert.Equal(problem, Rule.ValidateName(name));
        var ex = Assert.Throws<ArgumentException>(() => Rule.Create(name!, TrueFilter.Instance, null, Created));
        Assert.StartsWith($"The rule name is invalid: {problem}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_FromSqlTexts_CompilesFilterAndAction()
    {
        var rule = Rule.Create("r", "color = @c", "SET seen = TRUE", Created, new Dictionary<string, object?> { ["c"] = "red" });
        var filter = Assert.IsType<SqlFilter>(rule.Filter);
        Assert.Equal("color = @c", filter.Expression);
        Assert.True(rule.Match(Messages.Sample()));
        Assert.Equal(true, rule.Action.Apply(Messages.Sample()).SetProperties["seen"]);
    }

    [Fact]
    public void Create_InvalidSql_ThrowsSyntaxExceptionBeforeAnyRuleExists()
    {
        Assert.Throws<FilterSyntaxException>(() => Rule.Create("r", "color = ", null, Created));
        Assert.Throws<FilterSyntaxException>(() => Rule.Create("r", "TRUE", "SET", Created));
    }

    [Theory]
    [InlineData("1=1", typeof(TrueFilter))]
    [InlineData(" 1=1 ", typeof(TrueFilter))]
    [InlineData("1=0", typeof(FalseFilter))]
    [InlineData("1 = 1", typeof(SqlFilter))]
    [InlineData("color = 'red'", typeof(SqlFilter))]
    public void FromSqlExpression_SdkTrueAndFalseTexts_BecomeTrueAndFalseFilters(string expression, Type expected)
    {
        Assert.IsType(expected, RuleFilter.FromSqlExpression(expression));
    }

    [Fact]
    public void FromSqlExpression_OneEqualsOneWithParameters_StaysSql()
    {
        Assert.IsType<SqlFilter>(RuleFilter.FromSqlExpression("1=1", new Dictionary<string, object?> { ["p"] = 1 }));
    }

    [Fact]
    public void TrueAndFalseFilters_MatchEverythingAndNothing()
    {
        Assert.True(TrueFilter.Instance.Match(new FilterMessage()));
        Assert.False(FalseFilter.Instance.Match(Messages.Sample()));
        Assert.True(new SqlFilter(TrueFilter.SqlExpression).Match(new FilterMessage()));
        Assert.False(new SqlFilter(FalseFilter.SqlExpression).Match(new FilterMessage()));
        Assert.Equal(TrueFilter.Instance, new TrueFilter());
    }

    [Fact]
    public void Rule_Equality_IsByValue()
    {
        var a = Rule.Create("r", new SqlFilter("a = 1"), new SqlRuleAction("SET b = 2"), Created);
        var b = Rule.Create("r", new SqlFilter("a = 1"), new SqlRuleAction("SET b = 2"), Created);
        Assert.Equal(a, b);
        Assert.NotEqual(a, Rule.Create("r", new SqlFilter("a = 2"), null, Created));
    }

    [Fact]
    public void Rule_FilterEvaluationError_Propagates()
    {
        var rule = Rule.Create("r", new SqlFilter("color > 1"), null, Created);
        Assert.Throws<FilterEvaluationException>(() => rule.Match(Messages.Sample()));
    }
}
