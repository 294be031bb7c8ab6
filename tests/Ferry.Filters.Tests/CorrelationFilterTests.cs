namespace Ferry.Filters.Tests;

public class CorrelationFilterTests
{
    public static TheoryData<string> Fields => new()
    {
        nameof(CorrelationFilter.CorrelationId), nameof(CorrelationFilter.MessageId), nameof(CorrelationFilter.To),
        nameof(CorrelationFilter.ReplyTo), nameof(CorrelationFilter.Subject), nameof(CorrelationFilter.SessionId),
        nameof(CorrelationFilter.ReplyToSessionId), nameof(CorrelationFilter.ContentType),
    };

    private static CorrelationFilter FilterOn(string field, string value) => field switch
    {
        nameof(CorrelationFilter.CorrelationId) => new CorrelationFilter { CorrelationId = value },
        nameof(CorrelationFilter.MessageId) => new CorrelationFilter { MessageId = value },
        nameof(CorrelationFilter.To) => new CorrelationFilter { To = value },
        nameof(CorrelationFilter.ReplyTo) => new CorrelationFilter { ReplyTo = value },
        nameof(CorrelationFilter.Subject) => new CorrelationFilter { Subject = value },
        nameof(CorrelationFilter.SessionId) => new CorrelationFilter { SessionId = value },
        nameof(CorrelationFilter.ReplyToSessionId) => new CorrelationFilter { ReplyToSessionId = value },
        _ => new CorrelationFilter { ContentType = value },
    };

    private static FilterMessage MessageWith(string field, string? value)
    {
        var message = new FilterMessage();
        switch (field)
        {
            case nameof(CorrelationFilter.CorrelationId): message.CorrelationId = value; break;
            case nameof(CorrelationFilter.MessageId): message.MessageId = value; break;
            case nameof(CorrelationFilter.To): message.To = value; break;
            case nameof(CorrelationFilter.ReplyTo): message.ReplyTo = value; break;
            case nameof(CorrelationFilter.Subject): message.Subject = value; break;
            case nameof(CorrelationFilter.SessionId): message.SessionId = value; break;
            case nameof(CorrelationFilter.ReplyToSessionId): message.ReplyToSessionId = value; break;
            default: message.ContentType = value; break;
        }
        return message;
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void Correlation_FieldEqual_Matches(string field)
    {
        Assert.True(FilterOn(field, "Value-1").Match(MessageWith(field, "Value-1")));
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void Correlation_FieldDiffersInCase_DoesNotMatch(string field)
    {
        Assert.False(FilterOn(field, "Value-1").Match(MessageWith(field, "value-1")));
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void Correlation_FieldDifferentOrAbsent_DoesNotMatch(string field)
    {
        Assert.False(FilterOn(field, "Value-1").Match(MessageWith(field, "Value-2")));
        Assert.False(FilterOn(field, "Value-1").Match(MessageWith(field, null)));
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void Correlation_OtherFieldSet_IsNotCompared(string field)
    {
        // The message has a value only in another field; the filter checks just the field it sets.
        var other = field == nameof(CorrelationFilter.To) ? nameof(CorrelationFilter.ReplyTo) : nameof(CorrelationFilter.To);
        var message = MessageWith(other, "elsewhere");
        Assert.False(FilterOn(field, "Value-1").Match(message));
        Assert.True(FilterOn(other, "elsewhere").Match(message));
    }

    [Fact]
    public void Correlation_EveryFieldSet_MatchesOnlyWhenAllEqual()
    {
        var filter = new CorrelationFilter
        {
            CorrelationId = "corr", MessageId = "m-1", To = "to-addr", ReplyTo = "reply", Subject = "bus label",
            SessionId = "s1", ReplyToSessionId = "rs1", ContentType = "application/json",
            Properties = new Dictionary<string, object?> { ["color"] = "red", ["quantity"] = 10 },
        };
        var message = Messages.Sample();
        Assert.True(filter.Match(message));
        message.ReplyToSessionId = "other";
        Assert.False(filter.Match(message));
    }

    [Theory]
    [InlineData("color", "red", true)]
    [InlineData("color", "Red", false)]
    [InlineData("COLOR", "red", true)]
    [InlineData("quantity", 10, true)]
    [InlineData("quantity", 10L, true)]
    [InlineData("quantity", 10.0, true)]
    [InlineData("quantity", 11, false)]
    [InlineData("quantity", "10", false)]
    [InlineData("flag", true, true)]
    [InlineData("flag", false, false)]
    [InlineData("nothing", null, true)]
    [InlineData("color", null, false)]
    [InlineData("missing", null, false)]
    [InlineData("missing", "x", false)]
    [InlineData("u", 7, true)]
    public void Correlation_Property_MatchesWhenPresentAndEqual(string name, object? value, bool expected)
    {
        var filter = new CorrelationFilter { Properties = new Dictionary<string, object?> { [name] = value } };
        Assert.Equal(expected, filter.Match(Messages.Sample()));
    }

    [Fact]
    public void Correlation_PropertiesOfTimeAndGuidTypes_MatchByValue()
    {
        var filter = new CorrelationFilter
        {
            Properties = new Dictionary<string, object?> { ["id"] = Messages.Id, ["when"] = Messages.When, ["span"] = TimeSpan.FromMinutes(5) },
        };
        Assert.True(filter.Match(Messages.Sample()));
    }

    [Fact]
    public void Correlation_SeveralProperties_AllMustMatch()
    {
        var filter = new CorrelationFilter
        {
            Subject = "bus label",
            Properties = new Dictionary<string, object?> { ["color"] = "red", ["priority"] = "low" },
        };
        Assert.False(filter.Match(Messages.Sample()));
    }

    [Fact]
    public void Correlation_NothingSet_MatchesEveryMessage()
    {
        Assert.True(new CorrelationFilter().Match(new FilterMessage()));
        Assert.True(new CorrelationFilter().Match(Messages.Sample()));
    }

    [Fact]
    public void Correlation_PropertyOfUnsupportedType_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new CorrelationFilter { Properties = new Dictionary<string, object?> { ["bin"] = new byte[1] } });
    }

    [Fact]
    public void Correlation_PropertiesDictionaryChangedLater_DoesNotAffectTheFilter()
    {
        var properties = new Dictionary<string, object?> { ["color"] = "red" };
        var filter = new CorrelationFilter { Properties = properties };
        properties["color"] = "blue";
        Assert.True(filter.Match(Messages.Sample()));
    }

    [Fact]
    public void Correlation_Equality_ComparesFieldsAndPropertyValues()
    {
        var a = new CorrelationFilter { Subject = "s", Properties = new Dictionary<string, object?> { ["p"] = 1 } };
        var b = new CorrelationFilter { Subject = "s", Properties = new Dictionary<string, object?> { ["p"] = 1 } };
        var c = new CorrelationFilter { Subject = "s", Properties = new Dictionary<string, object?> { ["p"] = 2 } };
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, a with { To = "t" });
    }
}
