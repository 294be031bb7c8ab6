using Ferry.Broker;

namespace Ferry.Broker.Tests;

/// <summary>
/// A GUID message id is kept compact while a message waits, and as text once it is locked for delivery: the text is the
/// same either way, and after the lock every reader gets the one string.
/// </summary>
public sealed class MessageEntryIdTests
{
    [Theory]
    [InlineData("0f8fad5bd9cb469fa16570867728950e")]
    [InlineData("0f8fad5b-d9cb-469f-a165-70867728950e")]
    [InlineData("order-17")]
    [InlineData(null)]
    public void ExpandMessageId_KeepsTheText_AndMakesItOneString(string? id)
    {
        var entry = new MessageEntry { SequenceNumber = 1, MessageId = id };
        Assert.Equal(id, entry.MessageId);

        entry.ExpandMessageId();

        Assert.Equal(id, entry.MessageId);
        Assert.Same(entry.MessageId, entry.MessageId);
        Assert.Same(entry.MessageId, entry.ToMessage().MessageId);
        Assert.Same(entry.MessageId, entry.ToStored("q", withBody: false, deliveryCountBump: 1).MessageId);
    }

    [Fact]
    public void CompactId_BeforeTheLock_IsWrittenFromTheSendersString()
    {
        var sent = "0f8fad5bd9cb469fa16570867728950e";
        var entry = new MessageEntry { SequenceNumber = 1, MessageId = sent };

        Assert.Same(sent, entry.ToStored("q", withBody: true, messageIdText: sent).MessageId);
        // Without the sender's string a compact id is written back as new text, equal to it.
        Assert.Equal(sent, entry.ToStored("q", withBody: true).MessageId);
        Assert.NotSame(sent, entry.ToStored("q", withBody: true).MessageId);
    }
}
