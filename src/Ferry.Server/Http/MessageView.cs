using System.Text.Json.Nodes;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Server.Http;

/// <summary>One browsed message: the broker's fields, the system and application properties, and the body shown safely.</summary>
internal sealed record MessageView
{
    public required long SequenceNumber { get; init; }

    public string? MessageId { get; init; }

    public MessageState State { get; init; }

    public int DeliveryCount { get; init; }

    public DateTimeOffset EnqueuedTime { get; init; }

    public DateTimeOffset? ScheduledEnqueueTime { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public string? SessionId { get; init; }

    public string? DeadLetterSource { get; init; }

    /// <summary>Size of the stored message in bytes (all its sections).</summary>
    public int Size { get; init; }

    public required JsonObject SystemProperties { get; init; }

    /// <summary>The application properties as a receiver sees them: the sender's, with the broker's overrides applied.</summary>
    public required JsonObject ApplicationProperties { get; init; }

    public required JsonObject MessageAnnotations { get; init; }

    public required JsonObject Body { get; init; }

    public static MessageView Of(BrokerMessage message, JsonObject systemProperties, JsonObject applicationProperties, JsonObject annotations,
        JsonObject body) => new()
        {
            SequenceNumber = message.SequenceNumber,
            MessageId = message.MessageId,
            State = message.State,
            DeliveryCount = message.DeliveryCount,
            EnqueuedTime = message.EnqueuedTime,
            ScheduledEnqueueTime = message.ScheduledEnqueueTime,
            ExpiresAt = message.ExpiresAt,
            SessionId = message.SessionId,
            DeadLetterSource = message.DeadLetterSource,
            Size = message.Size,
            SystemProperties = systemProperties,
            ApplicationProperties = applicationProperties,
            MessageAnnotations = annotations,
            Body = body,
        };
}
