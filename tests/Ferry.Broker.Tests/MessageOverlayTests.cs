using System.Text;
using Ferry.Broker;
using Ferry.Broker.Filters;

namespace Ferry.Broker.Tests;

public sealed class MessageOverlayTests
{
    [Fact]
    public void Serialize_WithRemovalsAndSystemOverrides_RoundTrips()
    {
        var at = new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero);
        var overlay = new MessageOverlay { DeadLetterSource = "orders/subscriptions/s" };
        overlay.Set("kept", 5);
        overlay.RemovedProperties = new HashSet<string>(["gone", "also-gone"], StringComparer.Ordinal);
        overlay.SystemProperties = new()
        {
            [SystemProperty.Subject] = "label",
            [SystemProperty.CorrelationId] = null,
            [SystemProperty.TimeToLive] = TimeSpan.FromSeconds(30),
            [SystemProperty.ScheduledEnqueueTimeUtc] = at,
        };

        var data = overlay.Serialize()!;
        var back = MessageOverlay.Deserialize(data)!;

        Assert.Equal(2, data[0]);
        Assert.Equal("orders/subscriptions/s", back.DeadLetterSource);
        Assert.Equal(5, back.Properties!["kept"]);
        Assert.Equal(overlay.RemovedProperties, back.RemovedProperties);
        Assert.Equal(overlay.SystemProperties, back.SystemProperties);
    }

    [Fact]
    public void Serialize_PropertiesOnly_StaysVersion1()
    {
        var overlay = new MessageOverlay();
        overlay.Set("p", "v");

        Assert.Equal(1, overlay.Serialize()![0]);
    }

    [Fact]
    public void Deserialize_Version1WrittenByEarlierBuilds_StillReads()
    {
        // Version 1 as written before removals existed: version, no dead-letter source, one property "p" = "v".
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)1);
            writer.Write(false);
            writer.Write(1);
            writer.Write("p");
            writer.Write((byte)1);
            writer.Write("v");
        }

        var overlay = MessageOverlay.Deserialize(stream.ToArray())!;

        Assert.Equal("v", overlay.Properties!["p"]);
        Assert.Null(overlay.RemovedProperties);
        Assert.Null(overlay.SystemProperties);
    }

    [Fact]
    public void Deserialize_UnknownVersionOrSystemProperty_FailsWithInvalidData()
    {
        var bad = new MessageOverlay { SystemProperties = new() { [SystemProperty.Subject] = "x" } }.Serialize()!;
        // The last entry is property:u8, tag:u8, "x" as length:u8 + 1 byte.
        Assert.Equal((byte)SystemProperty.Subject, bad[^4]);
        bad[^4] = (byte)SystemProperty.SequenceNumber;

        Assert.Contains("version 3", Assert.Throws<InvalidDataException>(() => MessageOverlay.Deserialize([3])).Message);
        Assert.Contains("Unknown system property", Assert.Throws<InvalidDataException>(() => MessageOverlay.Deserialize(bad)).Message);
    }

    [Fact]
    public void Set_AfterRemove_UndoesTheRemoval()
    {
        var overlay = new MessageOverlay();
        overlay.Apply(new SqlRuleAction("REMOVE p").Apply(new FilterMessage(new Dictionary<string, object?> { ["p"] = 1 })));
        Assert.Equal(["p"], overlay.RemovedProperties!);

        overlay.Set("p", 2);

        Assert.Empty(overlay.RemovedProperties!);
        Assert.Equal(2, overlay.Properties!["p"]);
    }
}
