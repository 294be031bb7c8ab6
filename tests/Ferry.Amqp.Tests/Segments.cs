using System.Buffers;

namespace Ferry.Amqp.Tests;

/// <summary>Builds multi-segment sequences, the shape a PipeReader hands out.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        var bounds = new List<int> { 0 };
        foreach (var c in cuts)
        {
            if (c > bounds[^1] && c < data.Length)
            {
                bounds.Add(c);
            }
        }

        bounds.Add(data.Length);
        Segments? first = null;
        Segments? last = null;
        for (int i = 0; i + 1 < bounds.Count; i++)
        {
            // Copy each piece into its own array so segments really are separate memory.
            var piece = data.AsSpan(bounds[i], bounds[i + 1] - bounds[i]).ToArray();
            var segment = new Segments(piece, bounds[i]);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.Next = segment;
            }

            last = segment;
        }

        if (first is null)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        return new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }
}
