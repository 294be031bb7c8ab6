namespace Ferry.Amqp;

/// <summary>
/// The broker-owned message annotations written on delivery (docs reference §4.4). Each non-null value replaces
/// a sender annotation with the same key. Types are fixed by what the SDKs cast to: sequence numbers are long,
/// times are timestamps, the message state is int (0 active, 1 deferred, 2 scheduled).
/// </summary>
public struct BrokerAnnotations
{
    public long? SequenceNumber { get; set; }

    public DateTimeOffset? EnqueuedTime { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public int? MessageState { get; set; }

    public long? EnqueueSequenceNumber { get; set; }

    public string? DeadLetterSource { get; set; }

    /// <summary>Further annotations, written after the ones above; they too replace sender keys.</summary>
    public AmqpMap? Additional { get; set; }

    internal readonly int Count =>
        (SequenceNumber.HasValue ? 1 : 0) + (EnqueuedTime.HasValue ? 1 : 0) + (LockedUntil.HasValue ? 1 : 0)
        + (MessageState.HasValue ? 1 : 0) + (EnqueueSequenceNumber.HasValue ? 1 : 0) + (DeadLetterSource is null ? 0 : 1)
        + (Additional?.Count ?? 0);

    internal readonly bool Overrides(ReadOnlySpan<byte> key)
    {
        if ((SequenceNumber.HasValue && key.SequenceEqual(ServiceBusAnnotations.SequenceNumberUtf8))
            || (EnqueuedTime.HasValue && key.SequenceEqual(ServiceBusAnnotations.EnqueuedTimeUtf8))
            || (LockedUntil.HasValue && key.SequenceEqual(ServiceBusAnnotations.LockedUntilUtf8))
            || (MessageState.HasValue && key.SequenceEqual(ServiceBusAnnotations.MessageStateUtf8))
            || (EnqueueSequenceNumber.HasValue && key.SequenceEqual(ServiceBusAnnotations.EnqueueSequenceNumberUtf8))
            || (DeadLetterSource is not null && key.SequenceEqual(ServiceBusAnnotations.DeadLetterSourceUtf8)))
        {
            return true;
        }

        if (Additional is not null)
        {
            foreach (var entry in Additional)
            {
                if (entry.Key is AmqpSymbol symbol && AsciiEquals(symbol.Value, key))
                {
                    return true;
                }
            }
        }

        return false;
    }

    internal readonly void WriteEntries(ref AmqpWriter writer)
    {
        if (SequenceNumber is { } sequence)
        {
            writer.WriteSymbolAscii(ServiceBusAnnotations.SequenceNumberUtf8);
            writer.WriteLong(sequence);
        }

        if (EnqueuedTime is { } enqueued)
        {
            writer.WriteSymbolAscii(ServiceBusAnnotations.EnqueuedTimeUtf8);
            writer.WriteTimestamp(enqueued);
        }

        if (LockedUntil is { } lockedUntil)
        {
            writer.WriteSymbolAscii(ServiceBusAnnotations.LockedUntilUtf8);
            writer.WriteTimestamp(lockedUntil);
        }

        if (MessageState is { } state)
        {
            writer.WriteSymbolAscii(ServiceBusAnnotations.MessageStateUtf8);
            // smallint for small states: still the int type (AMQP 1.0 §1.6.9), which the .NET SDK casts to int.
            writer.WriteInt(state);
        }

        if (EnqueueSequenceNumber is { } enqueueSequence)
        {
            writer.WriteSymbolAscii(ServiceBusAnnotations.EnqueueSequenceNumberUtf8);
            writer.WriteLong(enqueueSequence);
        }

        if (DeadLetterSource is { } source)
        {
            writer.WriteSymbolAscii(ServiceBusAnnotations.DeadLetterSourceUtf8);
            writer.WriteString(source);
        }

        if (Additional is not null)
        {
            foreach (var entry in Additional)
            {
                writer.WriteValue(entry.Key);
                writer.WriteValue(entry.Value);
            }
        }
    }

    private static bool AsciiEquals(string value, ReadOnlySpan<byte> ascii)
    {
        if (value.Length != ascii.Length)
        {
            return false;
        }

        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] != ascii[i])
            {
                return false;
            }
        }

        return true;
    }
}
