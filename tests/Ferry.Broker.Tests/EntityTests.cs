using Ferry.Broker;

namespace Ferry.Broker.Tests;

public sealed class EntityTests
{
    [Theory]
    [InlineData("orders")]
    [InlineData("a")]
    [InlineData("scoring-jobs")]
    [InlineData("app/v1.orders_2")]
    public void EntityNames_Valid_HaveNoError(string name) => Assert.Null(EntityNames.Validate(name));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("-orders", "start and end")]
    [InlineData("orders.", "start and end")]
    [InlineData("a//b", "empty path segment")]
    [InlineData("a$b", "'$'")]
    [InlineData("a b", "' '")]
    public void EntityNames_Invalid_SayWhy(string name, string expected) => Assert.Contains(expected, EntityNames.Validate(name));

    [Fact]
    public void EntityNames_TooLong_SaysLimit() => Assert.Contains("260", EntityNames.Validate(new string('a', 261)));

    [Fact]
    public void QueueSettings_Defaults_MatchAzure()
    {
        var settings = new QueueSettings();

        Assert.Equal(TimeSpan.FromMinutes(1), settings.LockDuration);
        Assert.Equal(10, settings.MaxDeliveryCount);
        Assert.Equal(TimeSpan.MaxValue, settings.DefaultMessageTimeToLive);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.DuplicateDetectionHistoryTimeWindow);
        Assert.Equal(256, settings.MaxMessageSizeInKilobytes);
        Assert.Equal(1024, settings.MaxSizeInMegabytes);
        Assert.Equal(EntityStatus.Active, settings.Status);
        Assert.Null(settings.Validate());
    }

    public static TheoryData<QueueSettings, string> OutOfRange => new()
    {
        { new QueueSettings { LockDuration = TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1) }, "LockDuration" },
        { new QueueSettings { LockDuration = TimeSpan.FromMinutes(5) + TimeSpan.FromTicks(1) }, "LockDuration" },
        { new QueueSettings { MaxDeliveryCount = 0 }, "MaxDeliveryCount" },
        { new QueueSettings { DuplicateDetectionHistoryTimeWindow = TimeSpan.FromSeconds(19) }, "DuplicateDetectionHistoryTimeWindow" },
        { new QueueSettings { DuplicateDetectionHistoryTimeWindow = TimeSpan.FromDays(7) + TimeSpan.FromTicks(1) }, "DuplicateDetectionHistoryTimeWindow" },
        { new QueueSettings { MaxMessageSizeInKilobytes = 102_401 }, "MaxMessageSizeInKilobytes" },
        { new QueueSettings { DefaultMessageTimeToLive = TimeSpan.Zero }, "DefaultMessageTimeToLive" },
        { new QueueSettings { ForwardTo = "bad name" }, "ForwardTo" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void QueueSettings_OutOfRange_NameThePropertyAndTheRange(QueueSettings settings, string property)
    {
        var problem = settings.Validate();

        Assert.NotNull(problem);
        Assert.Equal(property, problem.Value.Property);
    }

    [Fact]
    public void QueueSettings_AtRangeBounds_AreValid()
    {
        Assert.Null(new QueueSettings { LockDuration = TimeSpan.FromSeconds(5) }.Validate());
        Assert.Null(new QueueSettings { LockDuration = TimeSpan.FromMinutes(5) }.Validate());
        Assert.Null(new QueueSettings { MaxMessageSizeInKilobytes = 102_400 }.Validate());
        Assert.Null(new QueueSettings { DuplicateDetectionHistoryTimeWindow = TimeSpan.FromSeconds(20) }.Validate());
    }

    [Fact]
    public async Task CreateQueue_SameNameDifferentCase_FailsWithAlreadyExists()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.CreateQueueAsync("orders");

        var ex = await Assert.ThrowsAsync<BrokerException>(() => f.CreateQueueAsync("ORDERS"));

        Assert.Equal(BrokerErrorCode.EntityAlreadyExists, ex.Code);
    }

    [Fact]
    public async Task CreateQueue_InvalidSettings_FailsWithInvalidArgumentNamingRange()
    {
        await using var f = await BrokerFixture.StartAsync();

        var ex = await Assert.ThrowsAsync<BrokerException>(() => f.CreateQueueAsync("orders", new QueueSettings { LockDuration = TimeSpan.FromHours(1) }));

        Assert.Equal(BrokerErrorCode.InvalidArgument, ex.Code);
        Assert.Contains("00:05:00", ex.Message);
    }

    [Fact]
    public async Task GetQueue_Missing_FailsWithEntityNotFoundInAzureWording()
    {
        await using var f = await BrokerFixture.StartAsync();

        var ex = Assert.Throws<BrokerException>(() => f.Broker.GetQueue("nope"));

        Assert.Equal(BrokerErrorCode.EntityNotFound, ex.Code);
        Assert.Equal("The messaging entity 'sb://localhost/nope' could not be found.", ex.Message);
    }

    [Fact]
    public async Task ApplyConfigQueue_ApiChangedQueue_KeepsApiSettings()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.Broker.ApplyConfigQueueAsync("orders", new QueueSettings { MaxDeliveryCount = 3 });
        await f.Broker.UpdateQueueAsync("orders", new QueueSettings { MaxDeliveryCount = 7 });

        await f.Broker.ApplyConfigQueueAsync("orders", new QueueSettings { MaxDeliveryCount = 4 });

        Assert.Equal(7, f.Broker.GetQueue("orders").Settings.MaxDeliveryCount);
    }

    [Fact]
    public async Task ApplyConfigQueue_ConfigQueue_TakesChangedFileSettings()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.Broker.ApplyConfigQueueAsync("orders", new QueueSettings { MaxDeliveryCount = 3 });

        await f.Broker.ApplyConfigQueueAsync("orders", new QueueSettings { MaxDeliveryCount = 4 });

        Assert.Equal(4, f.Broker.GetQueue("orders").Settings.MaxDeliveryCount);
        Assert.Equal(EntityOrigin.Config, f.Broker.GetQueue("orders").Origin);
    }

    [Fact]
    public async Task TryResolve_DeadLetterAddress_CaseInsensitive()
    {
        await using var f = await BrokerFixture.StartAsync();
        await f.CreateQueueAsync("Orders");

        Assert.True(f.Broker.TryResolve("orders/$deadletterqueue", out var queue, out var subQueue));
        Assert.Equal("Orders", queue.Name);
        Assert.Equal(Ferry.Storage.SubQueue.DeadLetter, subQueue);
        Assert.False(f.Broker.TryResolve("other", out _, out _));
    }
}
