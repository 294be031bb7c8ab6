using System.Buffers;
using BenchmarkDotNet.Attributes;
using Ferry.Amqp;

namespace Ferry.Benchmarks;

/// <summary>
/// The codec work per message on the end-to-end path: reading the fields the broker acts on from a received message
/// (what the server's ServiceBusMessageCodec.ToIncoming reads), and writing the delivery (header, broker annotations,
/// stored sections copied) as a transfer frame.
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private byte[] _encoded = [];
    private MessageSections _sections;
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly Header _header = new() { DeliveryCount = 0 };
    private readonly Transfer _transfer = new() { Handle = 1, DeliveryId = 7, DeliveryTag = Guid.NewGuid().ToByteArray(), MessageFormat = 0, Settled = false };
    private BrokerAnnotations _annotations;

    [GlobalSetup]
    public void Setup()
    {
        _encoded = TypicalMessage.Encode();
        _sections = MessageSections.Scan(_encoded);
        var now = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
        _annotations = new BrokerAnnotations { SequenceNumber = 123456, EnqueuedTime = now, LockedUntil = now.AddMinutes(1) };
    }

    /// <summary>Scan the sections and read message-id, ttl, scheduled time and group id.</summary>
    [Benchmark]
    public object? DecodeIncoming()
    {
        var sections = MessageSections.Scan(_encoded);
        var id = MessageReader.GetMessageId(_encoded, sections);
        _ = MessageReader.GetTtl(_encoded, sections);
        _ = MessageReader.GetScheduledEnqueueTime(_encoded, sections);
        _ = MessageReader.GetGroupId(_encoded, sections);
        return id;
    }

    /// <summary>Write the delivered message as one transfer frame (the stored bytes are copied straight in).</summary>
    [Benchmark]
    public int EncodeDeliveryTransfer()
    {
        _output.ResetWrittenCount();
        return DeliveryWriter.WriteTransfer(_output, 0, _transfer, _encoded, _sections, _header, _annotations, 256 * 1024);
    }
}
