namespace Ferry.Filters.Tests;

/// <summary>Every sys. property, by every name it has, reads the message's value with the right SQL type.</summary>
public class SystemPropertyTests
{
    [Theory]
    [InlineData("sys.MessageId = 'm-1'")]
    [InlineData("sys.CorrelationId = 'corr'")]
    [InlineData("sys.Label = 'bus label'")]
    [InlineData("sys.Subject = 'bus label'")]
    [InlineData("sys.To = 'to-addr'")]
    [InlineData("sys.ReplyTo = 'reply'")]
    [InlineData("sys.SessionId = 's1'")]
    [InlineData("sys.ReplyToSessionId = 'rs1'")]
    [InlineData("sys.ContentType = 'application/json'")]
    [InlineData("sys.PartitionKey = 'pk'")]
    [InlineData("sys.SequenceNumber = 42")]
    [InlineData("sys.SequenceNumber + 1 = 43")]
    [InlineData("sys.EnqueuedTimeUtc = @enqueued")]
    [InlineData("sys.EnqueuedTime = @enqueued")]
    [InlineData("sys.ScheduledEnqueueTimeUtc IS NULL")]
    [InlineData("sys.ScheduledEnqueueTime IS NULL")]
    [InlineData("sys.ExpiresAtUtc = @enqueued + @day")]
    [InlineData("sys.ExpiresAt - sys.EnqueuedTimeUtc = @day")]
    [InlineData("sys.TimeToLive = @day")]
    [InlineData("sys.DeliveryCount = 3")]
    [InlineData("sys.Size = 1234")]
    [InlineData("sys.mEsSaGeId = 'm-1'")]
    [InlineData("sys.[MessageId] = 'm-1'")]
    [InlineData("p('sys.SessionId') = 's1'")]
    public void SystemProperty_OnSampleMessage_HasTheMessageValue(string expression)
    {
        var parameters = new Dictionary<string, object?> { ["enqueued"] = Messages.Enqueued, ["day"] = TimeSpan.FromDays(1) };
        Assert.True(Messages.Evaluate(expression, parameters: parameters));
    }

    [Theory]
    [InlineData("sys.MessageId")]
    [InlineData("sys.CorrelationId")]
    [InlineData("sys.Label")]
    [InlineData("sys.To")]
    [InlineData("sys.ReplyTo")]
    [InlineData("sys.SessionId")]
    [InlineData("sys.ReplyToSessionId")]
    [InlineData("sys.ContentType")]
    [InlineData("sys.PartitionKey")]
    [InlineData("sys.ScheduledEnqueueTimeUtc")]
    [InlineData("sys.ExpiresAtUtc")]
    public void SystemProperty_Absent_IsNullAndComparesUnknown(string property)
    {
        var empty = new FilterMessage { ExpiresAt = null };
        Assert.True(Messages.Evaluate($"{property} IS NULL", empty));
        Assert.False(Messages.Evaluate($"EXISTS({property})", empty));
        Assert.Null(Messages.Evaluate($"{property} = 'x'", empty));
    }

    [Theory]
    [InlineData("sys.SequenceNumber", "Int64")]
    [InlineData("sys.DeliveryCount", "Int32")]
    [InlineData("sys.Size", "Int64")]
    [InlineData("sys.EnqueuedTimeUtc", "DateTime")]
    [InlineData("sys.TimeToLive", "TimeSpan")]
    [InlineData("sys.MessageId", "String")]
    public void SystemProperty_ComparedWithBoolean_NamesItsType(string property, string type)
    {
        var ex = Assert.Throws<FilterEvaluationException>(() => Messages.Evaluate($"{property} = TRUE"));
        Assert.StartsWith($"Cannot compare {type} with Boolean using '='", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SystemProperty_ScheduledMessage_HasItsTime()
    {
        var message = Messages.Sample();
        message.ScheduledEnqueueTime = Messages.Enqueued.AddHours(1);
        Assert.True(Messages.Evaluate("sys.ScheduledEnqueueTimeUtc > sys.EnqueuedTimeUtc", message));
    }

    [Fact]
    public void SystemProperties_Names_CoverEveryPropertyAndResolveBack()
    {
        foreach (var property in Enum.GetValues<SystemProperty>())
        {
            var name = SystemProperties.GetName(property);
            Assert.True(SystemProperties.TryParse(name, out var parsed));
            Assert.Equal(property, parsed);
            // Every property can be read through SQL by its canonical name.
            _ = new SqlFilter($"sys.{name} IS NULL").Evaluate(Messages.Sample());
        }
        Assert.Equal("Label", SystemProperties.GetName(SystemProperty.Subject));
        Assert.False(SystemProperties.TryParse("LockToken", out _));
    }

    [Theory]
    [InlineData(SystemProperty.MessageId, true, true)]
    [InlineData(SystemProperty.Subject, true, true)]
    [InlineData(SystemProperty.ScheduledEnqueueTimeUtc, true, true)]
    [InlineData(SystemProperty.TimeToLive, true, false)]
    [InlineData(SystemProperty.SequenceNumber, false, false)]
    [InlineData(SystemProperty.EnqueuedTimeUtc, false, false)]
    [InlineData(SystemProperty.ExpiresAtUtc, false, false)]
    [InlineData(SystemProperty.DeliveryCount, false, false)]
    [InlineData(SystemProperty.Size, false, false)]
    public void SystemProperties_SettableAndRemovable_AsTheSenderOwnsThem(SystemProperty property, bool settable, bool removable)
    {
        Assert.Equal(settable, SystemProperties.IsSettable(property));
        Assert.Equal(removable, SystemProperties.IsRemovable(property));
    }
}
