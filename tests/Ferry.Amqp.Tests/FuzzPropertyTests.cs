using System.Buffers;
using FsCheck.Xunit;
using Ferry.Amqp;

namespace Ferry.Amqp.Tests;

/// <summary>Hostile input: whatever the bytes, the frame, performative and message readers throw only
/// <see cref="AmqpDecodeException"/> (or <see cref="AmqpProtocolException"/> from the state helpers).</summary>
public class FuzzPropertyTests
{
    private static readonly byte[] SampleMessage = MessageTests.LiteEncode(MessageTests.SampleLiteMessage("id-1"));

    private static readonly byte[] SampleFrames = BuildFrames();

    private static byte[] BuildFrames()
    {
        var buffer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteFrame(buffer, FrameType.Amqp, 0, new Open { ContainerId = "c", Hostname = "h", MaxFrameSize = 4096 });
        FrameWriter.WriteFrame(buffer, FrameType.Amqp, 0, new Attach { Name = "n", Source = new Source { Address = "q", Filter = new AmqpMap { { new AmqpSymbol("f"), "v" } } }, Target = new Target() });
        FrameWriter.WriteFrame(buffer, FrameType.Amqp, 0, new Transfer { DeliveryId = 1, DeliveryTag = [1, 2], MessageFormat = 0 }, SampleMessage);
        FrameWriter.WriteFrame(buffer, FrameType.Amqp, 0, new Disposition { First = 1, State = new Rejected(new AmqpError("x")) });
        return buffer.WrittenSpan.ToArray();
    }

    [Property(MaxTest = 2000)]
    public bool Frames_WithBytesFlipped_ThrowOnlyDecodeException(int position, byte value, int position2, byte value2)
    {
        var bytes = (byte[])SampleFrames.Clone();
        bytes[(int)((uint)position % (uint)bytes.Length)] = value;
        bytes[(int)((uint)position2 % (uint)bytes.Length)] = value2;
        ReadAllFrames(bytes);
        return true;
    }

    [Property(MaxTest = 2000)]
    public bool Frames_ArbitraryBytes_ThrowOnlyDecodeException(byte[] bytes)
    {
        ReadAllFrames(bytes);
        return true;
    }

    [Property(MaxTest = 2000)]
    public bool Message_WithBytesFlipped_ThrowsOnlyDecodeException(int position, byte value)
    {
        var bytes = (byte[])SampleMessage.Clone();
        bytes[(int)((uint)position % (uint)bytes.Length)] = value;
        try
        {
            var sections = MessageSections.Scan(bytes);
            MessageReader.GetMessageId(bytes, sections);
            MessageReader.GetGroupId(bytes, sections);
            MessageReader.GetTtl(bytes, sections);
            MessageReader.GetScheduledEnqueueTime(bytes, sections);
            if (sections.Header.IsPresent) Header.Decode(sections.Header.Slice(bytes));
            if (sections.Properties.IsPresent) Properties.Decode(sections.Properties.Slice(bytes));
            if (sections.ApplicationProperties.IsPresent) MapSection.Decode(sections.ApplicationProperties.Slice(bytes));
            DeliveryWriter.Write(new ArrayBufferWriter<byte>(), bytes, sections, new Header(), new BrokerAnnotations { SequenceNumber = 1 });
            foreach (var inner in ServiceBusBatch.GetMessages(bytes))
            {
                MessageSections.Scan(inner.Span);
            }
        }
        catch (AmqpDecodeException)
        {
        }

        return true;
    }

    private static void ReadAllFrames(byte[] bytes)
    {
        var sequence = Segments.Split(bytes, bytes.Length / 3, bytes.Length / 2);
        try
        {
            while (FrameReader.TryReadFrame(ref sequence, 4096, out var frame))
            {
                if (!frame.IsEmpty)
                {
                    frame.ReadPerformative(out _);
                }
            }
        }
        catch (AmqpDecodeException)
        {
        }
    }
}
