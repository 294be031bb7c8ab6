using Ferry.Storage;

namespace Ferry.Storage.Tests;

/// <summary>StoredMessage keeps its times as UTC ticks: every time comes back as the same instant, and null stays null.</summary>
public sealed class StoredMessageTests
{
    public static TheoryData<DateTimeOffset> Times => new()
    {
        DateTimeOffset.MinValue,
        DateTimeOffset.MaxValue,
        new DateTimeOffset(2026, 11, 23, 6, 45, 1, 234, TimeSpan.Zero).AddTicks(5),
        new DateTimeOffset(2026, 11, 23, 8, 45, 0, TimeSpan.FromHours(2)),
    };

    [Theory]
    [MemberData(nameof(Times))]
    public void Times_RoundTrip_AsTheSameInstantInUtc(DateTimeOffset time)
    {
        var message = new StoredMessage
        {
            Entity = "q",
            SequenceNumber = 1,
            EnqueuedTime = time,
            ScheduledEnqueueTime = time,
            ExpiresAt = time,
            VisibleAfter = time,
        };

        foreach (var read in new[] { message.EnqueuedTime, message.ScheduledEnqueueTime!.Value, message.ExpiresAt!.Value, message.VisibleAfter!.Value })
        {
            Assert.Equal(time.UtcTicks, read.UtcTicks);
            Assert.Equal(TimeSpan.Zero, read.Offset);
        }
    }

    [Fact]
    public void UnsetTimes_AreNull_AndEnqueuedTimeIsDefault()
    {
        var message = new StoredMessage { Entity = "q", SequenceNumber = 1, ExpiresAt = null };

        Assert.Null(message.ScheduledEnqueueTime);
        Assert.Null(message.ExpiresAt);
        Assert.Null(message.VisibleAfter);
        Assert.Equal(default, message.EnqueuedTime);
    }
}
