namespace Ferry.Amqp;

/// <summary>Message-annotation keys Service Bus clients read and write (see docs reference §3.3, §4.4).</summary>
public static class ServiceBusAnnotations
{
    public static ReadOnlySpan<byte> SequenceNumberUtf8 => "x-opt-sequence-number"u8;

    public static ReadOnlySpan<byte> EnqueuedTimeUtf8 => "x-opt-enqueued-time"u8;

    public static ReadOnlySpan<byte> LockedUntilUtf8 => "x-opt-locked-until"u8;

    public static ReadOnlySpan<byte> MessageStateUtf8 => "x-opt-message-state"u8;

    public static ReadOnlySpan<byte> EnqueueSequenceNumberUtf8 => "x-opt-enqueue-sequence-number"u8;

    public static ReadOnlySpan<byte> DeadLetterSourceUtf8 => "x-opt-deadletter-source"u8;

    public static ReadOnlySpan<byte> ScheduledEnqueueTimeUtf8 => "x-opt-scheduled-enqueue-time"u8;

    public static ReadOnlySpan<byte> PartitionKeyUtf8 => "x-opt-partition-key"u8;

    public static readonly AmqpSymbol SequenceNumber = "x-opt-sequence-number";
    public static readonly AmqpSymbol EnqueuedTime = "x-opt-enqueued-time";
    public static readonly AmqpSymbol LockedUntil = "x-opt-locked-until";
    public static readonly AmqpSymbol MessageState = "x-opt-message-state";
    public static readonly AmqpSymbol EnqueueSequenceNumber = "x-opt-enqueue-sequence-number";
    public static readonly AmqpSymbol DeadLetterSource = "x-opt-deadletter-source";
    public static readonly AmqpSymbol ScheduledEnqueueTime = "x-opt-scheduled-enqueue-time";
    public static readonly AmqpSymbol PartitionKey = "x-opt-partition-key";
}
