using System.Buffers;

namespace Ferry.Benchmarks;

/// <summary>Bytes as a chain of fixed-size segments, the shape Kestrel's socket pipe hands a reader.</summary>
internal sealed class SegmentedSequence : ReadOnlySequenceSegment<byte>
{
    private SegmentedSequence(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Create(ReadOnlySpan<byte> data, int segmentSize)
    {
        SegmentedSequence? first = null;
        SegmentedSequence? last = null;
        for (int offset = 0; offset < data.Length; offset += segmentSize)
        {
            var segment = new SegmentedSequence(data.Slice(offset, Math.Min(segmentSize, data.Length - offset)).ToArray(), offset);
            if (last is null)
                first = segment;
            else
                last.Next = segment;
            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }
}
