using System.Buffers;

namespace Ferry.Amqp;

/// <summary>
/// Reassembles a delivery that arrives as several transfer frames (AMQP 1.0 §2.6.14) on one receiving link,
/// bounded by a maximum message size. One instance per receiving link; not thread-safe.
/// </summary>
/// <remarks>
/// <para>Each frame's payload is copied once, out of the caller's buffer (which a PipeReader will reuse), into the
/// array that becomes <see cref="Message"/>: the caller takes that array over, so a large message costs one copy
/// from the socket's buffers, not an assembly buffer plus a copy of it.</para>
/// <para>The frames do not say how large the message will be (§2.7.5), but the first one shows the message's
/// section headers, and a section declares its length up front (§1.2): a 1 MB data section in the first of four
/// frames sizes the array for the whole message, so the later frames are copied into place without growing it. When
/// the headers say nothing (or more sections follow), the array grows geometrically and is trimmed at the end if
/// much of it went unused. A peer's declared lengths are only a hint: the array is never sized beyond
/// <see cref="MaxMessageSize"/>, nor more than <see cref="MaxReserveFactor"/> times the bytes that actually arrived.</para>
/// </remarks>
public sealed class TransferAssembler : IDisposable
{
    /// <summary>The most the array is sized ahead of the bytes received, as a multiple of them.</summary>
    public const int MaxReserveFactor = 8;

    // Section headers are read from this many bytes at most (a described binary32 with a ulong descriptor is 15).
    private const int HeaderPrefix = 64;

    // The estimate reads at most this many section headers: a batch of many small data sections is sized by growing.
    private const int MaxSectionsEstimated = 32;

    private byte[]? _buffer;
    private int _length;
    private long _expected;
    private bool _inProgress;

    /// <param name="maxMessageSize">The largest message accepted, in bytes (this side's attach max-message-size);
    /// capped at <see cref="Array.MaxLength"/>.</param>
    public TransferAssembler(long maxMessageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessageSize);
        MaxMessageSize = Math.Min(maxMessageSize, Array.MaxLength);
    }

    public long MaxMessageSize { get; }

    /// <summary>The delivery being assembled or just completed; taken from its first frame.</summary>
    public uint DeliveryId { get; private set; }

    public byte[]? DeliveryTag { get; private set; }

    public uint MessageFormat { get; private set; }

    /// <summary>True if any frame of the delivery said settled=true.</summary>
    public bool Settled { get; private set; }

    public DeliveryState? State { get; private set; }

    public bool IsInProgress => _inProgress;

    /// <summary>
    /// The complete message after <see cref="Append"/> returned <see cref="TransferResult.Complete"/>. The caller owns
    /// it: the assembler never writes to its memory again (the next delivery gets a new array). Empty otherwise.
    /// </summary>
    public ReadOnlyMemory<byte> Message { get; private set; }

    /// <summary>Adds one transfer frame and its payload.</summary>
    /// <exception cref="AmqpProtocolException">
    /// <c>amqp:link:message-size-exceeded</c> when the message grows past <see cref="MaxMessageSize"/>;
    /// <c>amqp:not-allowed</c> when the first frame has no delivery-id or a continuation names another delivery.
    /// The partial delivery is discarded in both cases.
    /// </exception>
    public TransferResult Append(Transfer transfer, in ReadOnlySequence<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        Message = default;
        if (!_inProgress)
        {
            if (transfer.DeliveryId is not { } id)
            {
                throw Fail(AmqpErrorCode.NotAllowed, "The first transfer of a delivery must carry a delivery-id (AMQP 1.0 §2.7.5).");
            }

            _inProgress = true;
            _length = 0;
            _buffer = null;
            _expected = transfer.More && !transfer.Aborted ? EstimateLength(payload) : 0;
            DeliveryId = id;
            DeliveryTag = transfer.DeliveryTag;
            MessageFormat = transfer.MessageFormat ?? 0;
            Settled = transfer.Settled == true;
            State = transfer.State;
        }
        else
        {
            if (transfer.DeliveryId is { } id && id != DeliveryId)
            {
                throw Fail(AmqpErrorCode.NotAllowed, "A continuation transfer named a different delivery-id (AMQP 1.0 §2.7.5).");
            }

            Settled |= transfer.Settled == true;
            State = transfer.State ?? State;
        }

        if (transfer.Aborted)
        {
            Reset();
            return TransferResult.Aborted;
        }

        if (_length + payload.Length > MaxMessageSize)
        {
            throw Fail(AmqpErrorCode.MessageSizeExceeded, $"The message exceeds the maximum size of {MaxMessageSize} bytes.");
        }

        int needed = _length + (int)payload.Length;
        if (_buffer is null || _buffer.Length < needed)
        {
            Grow(needed, transfer.More);
        }

        payload.CopyTo(_buffer.AsSpan(_length));
        _length = needed;
        if (transfer.More)
        {
            return TransferResult.Incomplete;
        }

        Message = Take();
        return TransferResult.Complete;
    }

    /// <summary>Discards any partial delivery (for example when the link detaches).</summary>
    public void Reset()
    {
        _inProgress = false;
        _length = 0;
        _buffer = null;
        Message = default;
    }

    public void Dispose() => Reset();

    private void Grow(int needed, bool more)
    {
        long target = needed;
        if (more)
        {
            // Room for what the section headers announced, else double; never far ahead of what arrived.
            long ahead = _expected > needed ? _expected : Math.Max(needed + 1L, (_buffer?.Length ?? 0) * 2L);
            target = Math.Min(ahead, Math.Min(MaxMessageSize, (long)needed * MaxReserveFactor));
            target = Math.Max(target, needed);
        }

        var next = GC.AllocateUninitializedArray<byte>((int)target);
        _buffer?.AsSpan(0, _length).CopyTo(next);
        _buffer = next;
    }

    // The caller takes the array over. An array much larger than the message (the estimate was off, or the last growth
    // doubled) is trimmed, so a stored message does not keep unused memory alive.
    private ReadOnlyMemory<byte> Take()
    {
        var buffer = _buffer!;
        int length = _length;
        _inProgress = false;
        _buffer = null;
        _length = 0;
        if (buffer.Length - length > Math.Max(4096, length / 8))
        {
            var exact = GC.AllocateUninitializedArray<byte>(length);
            buffer.AsSpan(0, length).CopyTo(exact);
            return exact;
        }

        return new ReadOnlyMemory<byte>(buffer, 0, length);
    }

    /// <summary>
    /// The message length the section headers in the first frame announce (AMQP 1.0 §3.2: each section is one
    /// described value whose size field comes first): the end of the last section whose header is in
    /// <paramref name="first"/>. Zero when the first bytes are not section headers; the message scan rejects those later.
    /// </summary>
    private static long EstimateLength(in ReadOnlySequence<byte> first)
    {
        Span<byte> prefix = stackalloc byte[HeaderPrefix];
        long offset = 0;
        try
        {
            for (int i = 0; i < MaxSectionsEstimated && offset < first.Length; i++)
            {
                var rest = first.Slice(offset);
                int prefixLength = (int)Math.Min(prefix.Length, rest.Length);
                rest.Slice(0, prefixLength).CopyTo(prefix);
                if (!AmqpReader.TryGetDeclaredLength(prefix[..prefixLength], out long declared) || declared <= 0)
                {
                    break;
                }

                offset += declared;
            }
        }
        catch (AmqpDecodeException)
        {
            return 0;
        }

        return offset;
    }

    private AmqpProtocolException Fail(string condition, string message)
    {
        Reset();
        return new AmqpProtocolException(condition, message);
    }
}
