using System.Buffers;

namespace Ferry.Amqp;

/// <summary>
/// Reassembles a delivery that arrives as several transfer frames (AMQP 1.0 §2.6.14) on one receiving link,
/// bounded by a maximum message size. One instance per receiving link; not thread-safe.
/// </summary>
/// <remarks>
/// Payload is copied out of the caller's buffer (which a PipeReader will reuse) into a buffer rented from
/// <see cref="ArrayPool{T}.Shared"/>; the size is checked before each copy, so a peer can never make it hold more
/// than <see cref="MaxMessageSize"/> bytes. Call <see cref="Dispose"/> to return the buffer when the link ends.
/// </remarks>
public sealed class TransferAssembler : IDisposable
{
    private byte[]? _buffer;
    private int _length;
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
    /// The complete message after <see cref="Append"/> returned <see cref="TransferResult.Complete"/>: valid only until
    /// the next <see cref="Append"/>, <see cref="Reset"/> or <see cref="Dispose"/>; copy it to keep it.
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

        _inProgress = false;
        Message = new ReadOnlyMemory<byte>(_buffer, 0, _length);
        return TransferResult.Complete;
    }

    /// <summary>Discards any partial delivery (for example when the link detaches).</summary>
    public void Reset()
    {
        _inProgress = false;
        _length = 0;
        Message = default;
    }

    public void Dispose()
    {
        Reset();
        var buffer = _buffer;
        _buffer = null;
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Grow(int needed, bool more)
    {
        // While more frames are coming, grow geometrically (capped at the maximum) to keep copies amortised.
        long target = more ? Math.Min(MaxMessageSize, Math.Max(needed, (_buffer?.Length ?? 0) * 2L)) : needed;
        var next = ArrayPool<byte>.Shared.Rent((int)Math.Max(target, needed));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _length).CopyTo(next);
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }

    private AmqpProtocolException Fail(string condition, string message)
    {
        Reset();
        return new AmqpProtocolException(condition, message);
    }
}
