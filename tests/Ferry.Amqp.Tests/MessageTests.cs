using System.Buffers;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Ferry.Amqp;
using FerryHeader = Ferry.Amqp.Header;
using FerryProperties = Ferry.Amqp.Properties;

namespace Ferry.Amqp.Tests;

public class MessageTests
{
    private static readonly DateTime Scheduled = new(2030, 5, 6, 7, 8, 9, DateTimeKind.Utc);

    internal static byte[] LiteEncode(Message message)
    {
        var buffer = message.Encode();
        return buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
    }

    internal static Message LiteDecode(ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        return Message.Decode(new ByteBuffer(copy, 0, copy.Length, copy.Length));
    }

    internal static Message SampleLiteMessage(object messageId)
    {
        var message = new Message
        {
            Header = new global::Amqp.Framing.Header { Durable = true, Ttl = 3_600_000, DeliveryCount = 0 },
            MessageAnnotations = new MessageAnnotations(),
            Properties = new global::Amqp.Framing.Properties
            {
                To = "scoring-jobs",
                Subject = "score",
                ReplyTo = "replies",
                CorrelationId = "corr",
                ContentType = "application/json",
                GroupId = "session-1",
                ReplyToGroupId = "reply-session",
                CreationTime = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc),
                AbsoluteExpiryTime = new DateTime(2024, 1, 1, 1, 0, 0, DateTimeKind.Utc),
                GroupSequence = 3,
            },
            ApplicationProperties = new ApplicationProperties(),
            BodySection = new Data { Binary = "{\"job\":1}"u8.ToArray() },
        };
        message.Properties.SetMessageId(messageId);
        message.MessageAnnotations[new Symbol("x-opt-partition-key")] = "pk";
        message.MessageAnnotations[new Symbol("x-opt-scheduled-enqueue-time")] = Scheduled;
        message.MessageAnnotations[new Symbol("x-opt-sequence-number")] = 99L;
        message.ApplicationProperties["tenant"] = "t1";
        message.ApplicationProperties["attempt"] = 2;
        return message;
    }

    [Fact]
    public void Scan_LiteMessage_FindsEverySection()
    {
        var bytes = LiteEncode(SampleLiteMessage("id-1"));
        var sections = MessageSections.Scan(bytes);
        Assert.True(sections.Header.IsPresent);
        Assert.False(sections.DeliveryAnnotations.IsPresent);
        Assert.True(sections.MessageAnnotations.IsPresent);
        Assert.True(sections.Properties.IsPresent);
        Assert.True(sections.ApplicationProperties.IsPresent);
        Assert.Equal(MessageBodyKind.Data, sections.BodyKind);
        Assert.Equal(1, sections.BodySectionCount);
        Assert.False(sections.Footer.IsPresent);
        Assert.Equal(0, sections.Header.Offset);
        Assert.Equal(bytes.Length, sections.Body.End);
        Assert.Equal(sections.Header.End, sections.MessageAnnotations.Offset);
        Assert.Equal(sections.Properties.End, sections.ApplicationProperties.Offset);

        var header = FerryHeader.Decode(sections.Header.Slice(bytes));
        Assert.True(header.Durable);
        Assert.Equal(3_600_000u, header.Ttl);
        Assert.Equal(4, header.Priority);

        var properties = FerryProperties.Decode(sections.Properties.Slice(bytes));
        Assert.Equal("id-1", properties.MessageId);
        Assert.Equal("scoring-jobs", properties.To);
        Assert.Equal("score", properties.Subject);
        Assert.Equal("replies", properties.ReplyTo);
        Assert.Equal("corr", properties.CorrelationId);
        Assert.Equal(new AmqpSymbol("application/json"), properties.ContentType);
        Assert.Equal("session-1", properties.GroupId);
        Assert.Equal("reply-session", properties.ReplyToGroupId);
        Assert.Equal(3u, properties.GroupSequence);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), properties.CreationTime);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 1, 0, 0, TimeSpan.Zero), properties.AbsoluteExpiryTime);

        var annotations = MapSection.Decode(sections.MessageAnnotations.Slice(bytes));
        Assert.Equal("pk", annotations[new AmqpSymbol("x-opt-partition-key")]);
        var applicationProperties = MapSection.Decode(sections.ApplicationProperties.Slice(bytes));
        Assert.Equal("t1", applicationProperties["tenant"]);
        Assert.Equal(2, applicationProperties["attempt"]);
    }

    [Fact]
    public void HotPathReaders_ReadFieldsWithoutDecodingSections()
    {
        var bytes = LiteEncode(SampleLiteMessage("id-1"));
        var sections = MessageSections.Scan(bytes);
        Assert.Equal("id-1", MessageReader.GetMessageId(bytes, sections));
        Assert.Equal("session-1", MessageReader.GetGroupId(bytes, sections));
        Assert.Equal(3_600_000u, MessageReader.GetTtl(bytes, sections));
        Assert.Equal(new DateTimeOffset(Scheduled), MessageReader.GetScheduledEnqueueTime(bytes, sections));
        Assert.True(MessageReader.TryGetMessageAnnotation(bytes, sections, "x-opt-partition-key"u8, out var pk));
        Assert.Equal("pk", AmqpEncoder.Decode(pk));
        Assert.False(MessageReader.TryGetMessageAnnotation(bytes, sections, "x-opt-nothing"u8, out _));
    }

    [Theory]
    [InlineData("guid")]
    [InlineData("ulong")]
    [InlineData("binary")]
    public void GetMessageId_EveryIdType(string kind)
    {
        object id = kind switch
        {
            "guid" => Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"),
            "ulong" => 42ul,
            _ => new byte[] { 1, 2, 3 },
        };
        var bytes = LiteEncode(SampleLiteMessage(id));
        var sections = MessageSections.Scan(bytes);
        var read = MessageReader.GetMessageId(bytes, sections);
        Assert.True(AmqpValueComparer.Instance.Equals(id, read), $"{id} != {read}");
        Assert.True(AmqpValueComparer.Instance.Equals(id, FerryProperties.Decode(sections.Properties.Slice(bytes)).MessageId));
    }

    [Fact]
    public void HotPathReaders_AbsentSections_ReturnNull()
    {
        var bytes = LiteEncode(new Message { BodySection = new AmqpValue { Value = "v" } });
        var sections = MessageSections.Scan(bytes);
        Assert.Equal(MessageBodyKind.AmqpValue, sections.BodyKind);
        Assert.Null(MessageReader.GetMessageId(bytes, sections));
        Assert.Null(MessageReader.GetGroupId(bytes, sections));
        Assert.Null(MessageReader.GetTtl(bytes, sections));
        Assert.Null(MessageReader.GetScheduledEnqueueTime(bytes, sections));
    }

    [Fact]
    public void HeaderAndProperties_WeEncode_DecodeInLite()
    {
        var writer = new AmqpWriter(64);
        try
        {
            new FerryHeader { Durable = true, Priority = 7, Ttl = 1000, FirstAcquirer = true, DeliveryCount = 3 }.Encode(ref writer);
            new FerryProperties
            {
                MessageId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"),
                UserId = [1, 2],
                To = "to",
                Subject = "subject",
                ReplyTo = "reply",
                CorrelationId = 7ul,
                ContentType = "text/plain",
                ContentEncoding = "utf-8",
                AbsoluteExpiryTime = DateTimeOffset.FromUnixTimeMilliseconds(2000),
                CreationTime = DateTimeOffset.FromUnixTimeMilliseconds(1000),
                GroupId = "g",
                GroupSequence = 9,
                ReplyToGroupId = "rg",
            }.Encode(ref writer);
            writer.WriteDescriptor(Descriptor.AmqpValue);
            writer.WriteString("body");

            var lite = LiteDecode(writer.WrittenSpan);
            Assert.True(lite.Header.Durable);
            Assert.Equal(7, lite.Header.Priority);
            Assert.Equal(1000u, lite.Header.Ttl);
            Assert.True(lite.Header.FirstAcquirer);
            Assert.Equal(3u, lite.Header.DeliveryCount);
            Assert.Equal(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), lite.Properties.GetMessageId());
            Assert.Equal(7ul, lite.Properties.GetCorrelationId());
            Assert.Equal("subject", lite.Properties.Subject);
            Assert.Equal("text/plain", (string)lite.Properties.ContentType);
            Assert.Equal(new DateTime(1970, 1, 1, 0, 0, 2, DateTimeKind.Utc), lite.Properties.AbsoluteExpiryTime);
            Assert.Equal("g", lite.Properties.GroupId);
            Assert.Equal(9u, lite.Properties.GroupSequence);
            Assert.Equal("rg", lite.Properties.ReplyToGroupId);
            Assert.Equal("body", lite.Body);

            var sections = MessageSections.Scan(writer.WrittenSpan);
            var header = FerryHeader.Decode(sections.Header.Slice(writer.WrittenSpan));
            Assert.Equal(3u, header.DeliveryCount);
            Assert.Equal(7, header.Priority);
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Fact]
    public void DeliveryWriter_MergesAnnotationsAndCopiesTheRest_ReadableByLite()
    {
        var stored = LiteEncode(SampleLiteMessage("id-1"));
        var sections = MessageSections.Scan(stored);
        var enqueued = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var annotations = new BrokerAnnotations
        {
            SequenceNumber = 5,
            EnqueuedTime = enqueued,
            LockedUntil = enqueued.AddMinutes(5),
            MessageState = 0,
        };
        var output = new ArrayBufferWriter<byte>();
        int length = DeliveryWriter.Write(output, stored, sections, new FerryHeader { Durable = true, Ttl = 3_600_000, DeliveryCount = 2 }, annotations);
        Assert.Equal(output.WrittenCount, length);

        var lite = LiteDecode(output.WrittenSpan);
        Assert.Equal(2u, lite.Header.DeliveryCount);
        Assert.Equal(5L, lite.MessageAnnotations[new Symbol("x-opt-sequence-number")]);
        Assert.Equal(enqueued.UtcDateTime, lite.MessageAnnotations[new Symbol("x-opt-enqueued-time")]);
        Assert.Equal(enqueued.AddMinutes(5).UtcDateTime, lite.MessageAnnotations[new Symbol("x-opt-locked-until")]);
        Assert.Equal(0, lite.MessageAnnotations[new Symbol("x-opt-message-state")]);
        Assert.Equal("pk", lite.MessageAnnotations[new Symbol("x-opt-partition-key")]);
        Assert.Equal(Scheduled, lite.MessageAnnotations[new Symbol("x-opt-scheduled-enqueue-time")]);
        Assert.Equal(6, lite.MessageAnnotations.Map.Count);
        Assert.Equal("id-1", lite.Properties.MessageId);
        Assert.Equal("t1", lite.ApplicationProperties["tenant"]);
        Assert.Equal("{\"job\":1}"u8.ToArray(), (byte[])lite.Body);

        // Properties onwards are byte-for-byte the stored bytes.
        var delivered = MessageSections.Scan(output.WrittenSpan);
        Assert.True(output.WrittenSpan[delivered.Properties.Offset..].SequenceEqual(stored.AsSpan(sections.Properties.Offset)));
    }

    [Fact]
    public void DeliveryWriter_ReplacesApplicationProperties()
    {
        var stored = LiteEncode(SampleLiteMessage("id-1"));
        var sections = MessageSections.Scan(stored);
        var replacement = new AmqpMap { { "DeadLetterReason", "MaxDeliveryCountExceeded" }, { "tenant", "t1" } };
        var output = new ArrayBufferWriter<byte>();
        DeliveryWriter.Write(output, stored, sections, new FerryHeader(), new BrokerAnnotations { SequenceNumber = 1 }, replacement);
        var lite = LiteDecode(output.WrittenSpan);
        Assert.Equal("MaxDeliveryCountExceeded", lite.ApplicationProperties["DeadLetterReason"]);
        Assert.Equal(2, lite.ApplicationProperties.Map.Count);
        Assert.Equal("id-1", lite.Properties.MessageId);
        Assert.Equal("{\"job\":1}"u8.ToArray(), (byte[])lite.Body);
    }

    [Fact]
    public void DeliveryWriter_MessageWithoutAnnotations_AddsBrokerSection()
    {
        var stored = LiteEncode(new Message { BodySection = new Data { Binary = [1, 2, 3] } });
        var sections = MessageSections.Scan(stored);
        var output = new ArrayBufferWriter<byte>();
        var extra = new AmqpMap { { new AmqpSymbol("x-opt-deadletter-source"), "q" } };
        DeliveryWriter.Write(output, stored, sections, new FerryHeader(), new BrokerAnnotations { SequenceNumber = 7, Additional = extra });
        var lite = LiteDecode(output.WrittenSpan);
        Assert.Equal(7L, lite.MessageAnnotations[new Symbol("x-opt-sequence-number")]);
        Assert.Equal("q", lite.MessageAnnotations[new Symbol("x-opt-deadletter-source")]);
        Assert.Equal(new byte[] { 1, 2, 3 }, (byte[])lite.Body);
    }

    [Theory]
    [InlineData(65536u, false)]
    [InlineData(256u, false)]
    [InlineData(65536u, true)]
    [InlineData(256u, true)]
    [InlineData(64u, true)]
    public void DeliveryWriter_WriteTransfer_MatchesWrite(uint maxFrameSize, bool replaceApplicationProperties)
    {
        var message = SampleLiteMessage("id-1");
        message.BodySection = new Data { Binary = new byte[1500] };
        var stored = LiteEncode(message);
        var sections = MessageSections.Scan(stored);
        var header = new FerryHeader { DeliveryCount = 1 };
        var annotations = new BrokerAnnotations { SequenceNumber = 3, LockedUntil = DateTimeOffset.UnixEpoch };
        var replacement = replaceApplicationProperties ? new AmqpMap { { "DeadLetterReason", "TTLExpiredException" }, { "tenant", "t1" } } : null;
        var expected = new ArrayBufferWriter<byte>();
        DeliveryWriter.Write(expected, stored, sections, header, annotations, replacement);

        var frames = new ArrayBufferWriter<byte>();
        var transfer = new Transfer { Handle = 0, DeliveryId = 1, DeliveryTag = Guid.NewGuid().ToByteArray(), MessageFormat = 0, Settled = false };
        int count = DeliveryWriter.WriteTransfer(frames, 0, transfer, stored, sections, header, annotations, maxFrameSize, replacement);
        if (maxFrameSize > 10_000)
        {
            Assert.Equal(1, count);
        }
        else
        {
            Assert.True(count > 1);
        }

        var sequence = new ReadOnlySequence<byte>(frames.WrittenMemory);
        var payload = new List<byte>();
        int read = 0;
        while (FrameReader.TryReadFrame(ref sequence, maxFrameSize, out var frame))
        {
            frame.ReadPerformative(out var part);
            payload.AddRange(part.ToArray());
            read++;
        }

        Assert.Equal(count, read);
        Assert.Equal(expected.WrittenSpan.ToArray(), payload.ToArray());
    }

    [Fact]
    public void Batch_EnumeratesInnerMessages()
    {
        var inner = new[] { LiteEncode(SampleLiteMessage("a")), LiteEncode(SampleLiteMessage("b")), LiteEncode(new Message("c")) };
        var writer = new AmqpWriter(256);
        byte[] envelope;
        try
        {
            writer.WriteDescriptor(Descriptor.MessageAnnotations);
            writer.WriteMap(new AmqpMap { { new AmqpSymbol("x-opt-partition-key"), "pk" } });
            new FerryProperties { MessageId = "a" }.Encode(ref writer);
            foreach (var m in inner)
            {
                writer.WriteDescriptor(Descriptor.Data);
                writer.WriteBinary(m);
            }

            envelope = writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }

        var found = new List<byte[]>();
        foreach (var m in ServiceBusBatch.GetMessages(envelope))
        {
            found.Add(m.ToArray());
        }

        Assert.Equal(inner, found);
        var third = found[2];
        Assert.Equal("c", LiteDecode(third).Body);
    }

    [Fact]
    public void Batch_NonDataBody_Throws()
    {
        var envelope = LiteEncode(new Message("value body"));
        Assert.Throws<AmqpDecodeException>(() => ServiceBusBatch.GetMessages(envelope));
        Assert.False(ServiceBusBatch.GetMessages(Array.Empty<byte>()).MoveNext());
    }

    [Fact]
    public void Scan_MultipleDataSectionsAndFooter()
    {
        var writer = new AmqpWriter(64);
        try
        {
            writer.WriteDescriptor(Descriptor.Data);
            writer.WriteBinary([1]);
            writer.WriteDescriptor(Descriptor.Data);
            writer.WriteBinary([2, 3]);
            writer.WriteDescriptor(Descriptor.Footer);
            writer.WriteMap(new AmqpMap { { new AmqpSymbol("f"), 1 } });
            var sections = MessageSections.Scan(writer.WrittenSpan);
            Assert.Equal(2, sections.BodySectionCount);
            Assert.Equal(0, sections.Body.Offset);
            Assert.Equal(13, sections.Body.Length);
            Assert.True(sections.Footer.IsPresent);
            Assert.Equal(writer.Length, sections.Footer.End);
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Fact]
    public void Scan_AmqpSequenceBody()
    {
        var message = new Message { BodySection = new AmqpSequence { List = new List<object> { 1, "two" } } };
        var bytes = LiteEncode(message);
        var sections = MessageSections.Scan(bytes);
        Assert.Equal(MessageBodyKind.AmqpSequence, sections.BodyKind);
    }

    [Theory]
    [InlineData("005370C0010000" + "005370C00100")] // bad: first section has trailing junk
    [InlineData("005373450053704" + "5")] // properties then header: out of order
    [InlineData("00537045" + "00537045")] // header twice
    [InlineData("005377A10161" + "005377A10162")] // two amqp-value sections
    [InlineData("005375A10161")] // data holding a string
    [InlineData("005379A0016100")] // unknown section descriptor
    [InlineData("A0016100")] // not described
    [InlineData("005372A10161")] // annotations that are not a map
    public void Scan_Malformed_ThrowsDecodeException(string hex) =>
        Assert.Throws<AmqpDecodeException>(() => MessageSections.Scan(Hex.Bytes(hex)));

    [Fact]
    public void Scan_MultiSegment_MatchesSingleSegment()
    {
        var bytes = LiteEncode(SampleLiteMessage("id"));
        var expected = MessageSections.Scan(bytes);
        for (int cut = 1; cut < bytes.Length; cut += 5)
        {
            var actual = MessageSections.Scan(Segments.Split(bytes, cut, cut + 17));
            Assert.Equal(expected.Header, actual.Header);
            Assert.Equal(expected.MessageAnnotations, actual.MessageAnnotations);
            Assert.Equal(expected.Properties, actual.Properties);
            Assert.Equal(expected.ApplicationProperties, actual.ApplicationProperties);
            Assert.Equal(expected.Body, actual.Body);
            Assert.Equal(expected.Length, actual.Length);
        }
    }
}
