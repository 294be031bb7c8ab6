namespace Ferry.Filters.Tests;

public class SqlRuleActionTests
{
    private static (MessageModification Changes, FilterMessage Result) Run(string action, IFilterMessage? message = null,
        IReadOnlyDictionary<string, object?>? parameters = null)
    {
        message ??= Messages.Sample();
        var changes = new SqlRuleAction(action, parameters).Apply(message);
        return (changes, changes.ApplyTo(message));
    }

    [Fact]
    public void Action_AzureDocumentationExample_SetsRemovesAndSetsSystem()
    {
        var (changes, result) = Run("SET quantity = quantity / 2; REMOVE priority;SET sys.CorrelationId = 'low';");
        Assert.Equal(5, Assert.IsType<int>(result.Properties["quantity"]));
        Assert.False(result.Properties.ContainsKey("priority"));
        Assert.Equal("low", result.CorrelationId);
        Assert.Equal(5, changes.SetProperties["quantity"]);
        Assert.Equal(["priority"], changes.RemovedProperties);
        Assert.Equal("low", changes.SetSystemProperties[SystemProperty.CorrelationId]);
    }

    [Theory]
    [InlineData("SET a = 1, b = 2")]
    [InlineData("SET a = 1, SET b = 2")]
    [InlineData("SET a = 1; SET b = 2")]
    [InlineData("SET a = 1;, SET b = 2;")]
    [InlineData("set a = 1;\nset b = 2")]
    [InlineData("SET user.a = 1, [b] = 2")]
    public void Action_StatementSeparators_AllRunEveryStatement(string action)
    {
        var (changes, result) = Run(action, new FilterMessage());
        Assert.Equal(1L, result.Properties["a"]);
        Assert.Equal(2L, result.Properties["b"]);
        Assert.Equal(2, changes.SetProperties.Count);
    }

    [Theory]
    [InlineData("REMOVE color, quantity")]
    [InlineData("REMOVE color; REMOVE quantity")]
    [InlineData("REMOVE color, REMOVE user.quantity;")]
    [InlineData("REMOVE COLOR, [Quantity]")]
    public void Action_Remove_RemovesEachNamedProperty(string action)
    {
        var (changes, result) = Run(action);
        Assert.False(result.Properties.ContainsKey("color"));
        Assert.False(result.Properties.ContainsKey("quantity"));
        Assert.Equal(["color", "quantity"], changes.RemovedProperties);
    }

    [Fact]
    public void Action_RemoveMissingProperty_ChangesNothing()
    {
        var (changes, _) = Run("REMOVE nosuch");
        Assert.True(changes.IsEmpty);
    }

    [Fact]
    public void Action_Statements_SeeEarlierChanges()
    {
        var (_, result) = Run("SET x = 1; SET y = x + 1; SET z = y * 10", new FilterMessage());
        Assert.Equal(20L, result.Properties["z"]);
    }

    [Fact]
    public void Action_SetThenRemoveNewProperty_LeavesNoChange()
    {
        var (changes, result) = Run("SET fresh = 1; REMOVE fresh", new FilterMessage());
        Assert.True(changes.IsEmpty);
        Assert.Empty(result.Properties);
    }

    [Fact]
    public void Action_RemoveThenSetExistingProperty_IsASet()
    {
        var (changes, result) = Run("REMOVE color; SET color = 'new'");
        Assert.Equal("new", result.Properties["color"]);
        Assert.Empty(changes.RemovedProperties);
        Assert.Equal("new", changes.SetProperties["color"]);
    }

    [Fact]
    public void Action_SetExistingPropertyInOtherCase_KeepsTheStoredKey()
    {
        var (changes, result) = Run("SET COLOR = 'blue'");
        Assert.Equal("blue", result.Properties["color"]);
        Assert.False(result.Properties.ContainsKey("COLOR"));
        Assert.Equal(["color"], changes.SetProperties.Keys);
    }

    [Theory]
    [InlineData("SET quantity = quantity * 2", 20)]
    [InlineData("SET quantity = 7", 7)]
    public void Action_SetNumberOnInt32Property_StaysInt32WhenItFits(string action, int expected)
    {
        Assert.Equal(expected, Assert.IsType<int>(Run(action).Result.Properties["quantity"]));
    }

    [Theory]
    [InlineData("SET quantity = 2.5", typeof(double))]
    [InlineData("SET quantity = 5000000000", typeof(long))]
    [InlineData("SET quantity = 'ten'", typeof(string))]
    [InlineData("SET price = 3", typeof(double))]
    [InlineData("SET b = 300", typeof(long))]
    [InlineData("SET b = 200", typeof(byte))]
    [InlineData("SET dec = 2", typeof(decimal))]
    [InlineData("SET f = 2", typeof(float))]
    [InlineData("SET u = 8", typeof(uint))]
    [InlineData("SET u = -1", typeof(long))]
    [InlineData("SET fresh = 1", typeof(long))]
    [InlineData("SET fresh = 1.5", typeof(double))]
    [InlineData("SET fresh = TRUE", typeof(bool))]
    [InlineData("SET fresh = newid()", typeof(Guid))]
    [InlineData("SET fresh = sys.EnqueuedTimeUtc", typeof(DateTime))]
    [InlineData("SET fresh = sys.TimeToLive", typeof(TimeSpan))]
    [InlineData("SET fresh = whenOffset", typeof(DateTimeOffset))]
    [InlineData("SET fresh = color + '!'", typeof(string))]
    public void Action_SetValue_StoresTheExpectedType(string action, Type expected)
    {
        var name = action.Split(' ')[1];
        Assert.IsType(expected, Run(action).Result.Properties[name]);
    }

    [Fact]
    public void Action_SetFromMissingProperty_StoresNull()
    {
        var (_, result) = Run("SET copy = missing");
        Assert.True(result.Properties.ContainsKey("copy"));
        Assert.Null(result.Properties["copy"]);
    }

    [Fact]
    public void Action_NewId_GivesADifferentGuidEachTime()
    {
        var action = new SqlRuleAction("SET id = newid()");
        var a = action.Apply(new FilterMessage()).SetProperties["id"];
        var b = action.Apply(new FilterMessage()).SetProperties["id"];
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData("SET sys.MessageId = 'x'", SystemProperty.MessageId)]
    [InlineData("SET sys.CorrelationId = 'x'", SystemProperty.CorrelationId)]
    [InlineData("SET sys.Label = 'x'", SystemProperty.Subject)]
    [InlineData("SET sys.Subject = 'x'", SystemProperty.Subject)]
    [InlineData("SET sys.To = 'x'", SystemProperty.To)]
    [InlineData("SET sys.ReplyTo = 'x'", SystemProperty.ReplyTo)]
    [InlineData("SET sys.SessionId = 'x'", SystemProperty.SessionId)]
    [InlineData("SET sys.ReplyToSessionId = 'x'", SystemProperty.ReplyToSessionId)]
    [InlineData("SET sys.ContentType = 'x'", SystemProperty.ContentType)]
    [InlineData("SET sys.PartitionKey = 'x'", SystemProperty.PartitionKey)]
    public void Action_SetStringSystemProperty_ChangesIt(string action, SystemProperty property)
    {
        var (changes, result) = Run(action);
        Assert.Equal("x", changes.SetSystemProperties[property]);
        Assert.True(new SqlFilter($"sys.{SystemProperties.GetName(property)} = 'x'").Match(result));
    }

    [Fact]
    public void Action_SetTimeSystemProperties_ChangesThem()
    {
        var (changes, result) = Run("SET sys.TimeToLive = span; SET sys.ScheduledEnqueueTimeUtc = when + span");
        Assert.Equal(TimeSpan.FromMinutes(5), result.TimeToLive);
        Assert.Equal(new DateTimeOffset(Messages.When.AddMinutes(5)), result.ScheduledEnqueueTime);
        Assert.Equal(TimeSpan.FromMinutes(5), changes.SetSystemProperties[SystemProperty.TimeToLive]);
    }

    [Fact]
    public void Action_RemoveSystemProperty_ClearsIt()
    {
        var (changes, result) = Run("REMOVE sys.CorrelationId, sys.ScheduledEnqueueTimeUtc");
        Assert.Null(result.CorrelationId);
        Assert.True(changes.SetSystemProperties.ContainsKey(SystemProperty.CorrelationId));
        Assert.Null(changes.SetSystemProperties[SystemProperty.CorrelationId]);
    }

    [Fact]
    public void Action_Apply_DoesNotChangeTheSourceMessage()
    {
        var message = Messages.Sample();
        new SqlRuleAction("SET color = 'blue'; REMOVE quantity; SET sys.Label = 'x'").Apply(message);
        Assert.Equal("red", message.Properties["color"]);
        Assert.True(message.Properties.ContainsKey("quantity"));
        Assert.Equal("bus label", message.Subject);
    }

    [Fact]
    public void Action_Parameters_AreSubstituted()
    {
        var (_, result) = Run("SET source = @p", parameters: new Dictionary<string, object?> { ["@p"] = "routed" });
        Assert.Equal("routed", result.Properties["source"]);
    }

    [Theory]
    [InlineData("SET sys.Label = quantity", "'sys.Label' needs a String value, found an Int32 value at position 16")]
    [InlineData("SET sys.TimeToLive = missing", "'sys.TimeToLive' needs a TimeSpan value, found NULL at position 21")]
    [InlineData("SET sys.ScheduledEnqueueTimeUtc = color", "'sys.ScheduledEnqueueTimeUtc' needs a DateTime value, found a String value at position 34")]
    [InlineData("SET x = color * 2", "Operator '*' can't be applied to String and Int64 at position 14")]
    public void Action_ValueOfWrongType_ThrowsEvaluationError(string action, string message)
    {
        var compiled = new SqlRuleAction(action);
        var ex = Assert.Throws<FilterEvaluationException>(() => compiled.Apply(Messages.Sample()));
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("", "Expected SET or REMOVE at position 0 (line 1, column 1), found end of expression")]
    [InlineData("DELETE a", "Expected SET or REMOVE at position 0 (line 1, column 1), found identifier 'DELETE'")]
    [InlineData("SET", "Expected a property name after SET at position 3 (line 1, column 4), found end of expression")]
    [InlineData("SET 1 = 1", "Expected a property name after SET at position 4 (line 1, column 5), found number 1")]
    [InlineData("SET a", "Expected '=' after 'a' at position 5 (line 1, column 6), found end of expression")]
    [InlineData("SET a 1", "Expected '=' after 'a' at position 6 (line 1, column 7), found number 1")]
    [InlineData("SET a =", "Expected an operand after '=' at position 7 (line 1, column 8), found end of expression")]
    [InlineData("SET a = 1 b = 2", "Expected ';', ',' or end of action at position 10 (line 1, column 11), found identifier 'b'")]
    [InlineData("SET a = 1 = 2", "Expected ';', ',' or end of action at position 10 (line 1, column 11), found '='")]
    [InlineData("SET a = 1,", "Expected a property name after ',' at position 10 (line 1, column 11), found end of expression")]
    [InlineData("SET a = 1;;", "Expected SET or REMOVE at position 10 (line 1, column 11), found ';'")]
    [InlineData("SET a = 1; b = 2", "Expected SET or REMOVE at position 11 (line 1, column 12), found identifier 'b'")]
    [InlineData("REMOVE", "Expected a property name after REMOVE at position 6 (line 1, column 7), found end of expression")]
    [InlineData("REMOVE a,", "Expected a property name after ',' at position 9 (line 1, column 10), found end of expression")]
    [InlineData("REMOVE a = 1", "Expected ';', ',' or end of action at position 9 (line 1, column 10), found '='")]
    [InlineData("SET sys.SequenceNumber = 1", "The system property 'sys.SequenceNumber' can't be set at position 4 (line 1, column 5)")]
    [InlineData("SET sys.EnqueuedTimeUtc = 1", "The system property 'sys.EnqueuedTimeUtc' can't be set at position 4 (line 1, column 5)")]
    [InlineData("REMOVE sys.DeliveryCount", "The system property 'sys.DeliveryCount' can't be removed at position 7 (line 1, column 8)")]
    [InlineData("REMOVE sys.TimeToLive", "The system property 'sys.TimeToLive' can't be removed at position 7 (line 1, column 8)")]
    [InlineData("SET sys.Label = 5", "'sys.Label' needs a String value, found an Int64 value at position 16 (line 1, column 17)")]
    [InlineData("SET sys.Nope = 'x'", "Unknown system property 'sys.Nope' at position 8 (line 1, column 9)")]
    [InlineData("SET a = 'x' - 1", "Operator '-' can't be applied to String and Int64 at position 12 (line 1, column 13)")]
    [InlineData("SET a = @p", "The parameter '@p' is not defined at position 8 (line 1, column 9)")]
    [InlineData("SET a = 'x", "Unterminated string at position 8 (line 1, column 9)")]
    public void Action_InvalidExpression_ThrowsWithPositionExpectedAndFound(string action, string message)
    {
        var ex = Assert.Throws<FilterSyntaxException>(() => new SqlRuleAction(action));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Action_MoreThan32Operations_IsRejected()
    {
        var ok = string.Join("; ", Enumerable.Range(0, 32).Select(i => $"SET p{i} = {i}"));
        Assert.Equal(32, new SqlRuleAction(ok).Apply(new FilterMessage()).SetProperties.Count);
        var ex = Assert.Throws<FilterSyntaxException>(() => new SqlRuleAction(ok + ", q = 1"));
        Assert.StartsWith("An action may have at most 32 SET and REMOVE operations at position", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Action_Equality_IsByExpressionAndParameters()
    {
        Assert.Equal(new SqlRuleAction("SET a = 1"), new SqlRuleAction("SET a = 1"));
        Assert.NotEqual(new SqlRuleAction("SET a = 1"), new SqlRuleAction("SET a = 2"));
        Assert.Equal(MessageModification.None, EmptyRuleAction.Instance.Apply(Messages.Sample()));
    }
}
