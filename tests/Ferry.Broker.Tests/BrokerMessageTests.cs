using Ferry.Broker;

namespace Ferry.Broker.Tests;

/// <summary>BrokerMessage keeps its times as UTC ticks: every time comes back as the same instant, and null stays null.</summary>
public sealed class BrokerMessageTests
{
    public static TheoryData<DateTimeOffset> Times => new()
    {
        DateTimeOffset.MinValue,
        DateTimeOffset.MaxValue,
        new DateTimeOffset(2026, 11, 23, 8, 45, 0, TimeSpan.FromHours(2)).AddTicks(7),
    };

    [Theory]
    [MemberData(nameof(Times))]
    public void Times_RoundTrip_AsTheSameInstantInUtc(DateTimeOffset time)
    {
        var message = new BrokerMessage
        {
            SequenceNumber = 1,
            LockedUntil = time,
            EnqueuedTime = time,
            ScheduledEnqueueTime = time,
            ExpiresAt = time,
        };

        foreach (var read in new[] { message.LockedUntil!.Value, message.EnqueuedTime, message.ScheduledEnqueueTime!.Value, message.ExpiresAt!.Value })
        {
            Assert.Equal(time.UtcTicks, read.UtcTicks);
            Assert.Equal(TimeSpan.Zero, read.Offset);
        }
    }

    [Fact]
    public void UnsetTimes_AreNull()
    {
        var message = new BrokerMessage { SequenceNumber = 1, LockedUntil = null };

        Assert.Null(message.LockedUntil);
        Assert.Null(message.ScheduledEnqueueTime);
        Assert.Null(message.ExpiresAt);
        Assert.Equal(default, message.EnqueuedTime);
    }
}
