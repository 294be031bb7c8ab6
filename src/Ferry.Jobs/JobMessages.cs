using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Ferry.Jobs;

/// <summary>How jobs look on the wire.</summary>
internal static class JobMessages
{
    /// <summary>Application property: the job id (also the first message's MessageId).</summary>
    public const string JobIdProperty = "ferry-job-id";

    /// <summary>Application property on a scheduled retry copy (Azure fallback): attempts already made before this copy.</summary>
    public const string AttemptsProperty = "ferry-attempts";

    /// <summary>Application property: the priority given at submit (an int; higher first in a batch consumer).</summary>
    public const string PriorityProperty = "ferry-priority";

    public const string ContentType = "application/json";

    public static readonly Symbol RetryAfterAnnotation = new("com.ferry:retry-after-ms");
    public static readonly Symbol DeadLetterCondition = new("com.microsoft:dead-letter");
    public static readonly Symbol DeadLetterReason = new("DeadLetterReason");
    public static readonly Symbol DeadLetterDescription = new("DeadLetterErrorDescription");
    private static readonly Symbol LockedUntil = new("x-opt-locked-until");
    private static readonly Symbol SequenceNumber = new("x-opt-sequence-number");
    private static readonly Symbol EnqueuedTime = new("x-opt-enqueued-time");

    /// <summary>A job message; the MessageId is the job id unless <paramref name="messageId"/> is given (a retry or a replay).</summary>
    /// <remarks>The current span's trace context goes in the <c>Diagnostic-Id</c> property (<see cref="JobTelemetry"/>).</remarks>
    public static Message Create(byte[] body, string jobId, string jobType, string? messageId = null)
    {
        var message = new Message
        {
            BodySection = new Data { Binary = body },
            Properties = new Properties { MessageId = messageId ?? jobId, ContentType = ContentType, Subject = jobType },
            ApplicationProperties = new ApplicationProperties { [JobIdProperty] = jobId },
        };
        JobTelemetry.Inject(message);
        return message;
    }

    /// <summary>The body bytes: a data section, or a string value (JSON sent by another client).</summary>
    public static byte[] Body(Message message) => message.Body switch
    {
        byte[] bytes => bytes,
        string text => System.Text.Encoding.UTF8.GetBytes(text),
        null => [],
        var other => throw new FormatException($"The message body is a {other.GetType().Name}, not JSON bytes."),
    };

    public static Dictionary<string, object?> ApplicationProperties(Message message)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (message.ApplicationProperties?.Map is { } map)
        {
            foreach (var (key, value) in map)
                result[key.ToString()!] = value;
        }
        return result;
    }

    public static Guid LockToken(Message message) =>
        message.DeliveryTag is { Length: 16 } tag ? new Guid(tag) : Guid.Empty;

    public static int PreviousDeliveries(Message message) => (int)(message.Header?.DeliveryCount ?? 0);

    public static DateTimeOffset? LockedUntilOf(Message message) => Annotation(message, LockedUntil) is DateTime time
        ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc))
        : null;

    public static DateTimeOffset? EnqueuedTimeOf(Message message) => Annotation(message, EnqueuedTime) is DateTime time
        ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc))
        : null;

    public static long SequenceNumberOf(Message message) => Annotation(message, SequenceNumber) is long number ? number : 0;

    public static int ToInt(object? value) => value switch
    {
        int i => i,
        long l => (int)l,
        uint u => (int)u,
        short s => s,
        string s when int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => 0,
    };

    /// <summary>
    /// A copy of a job message for a scheduled retry (Azure fallback): same body and properties, the attempts made so far,
    /// and a message id derived from the job id and the next attempt (the original id would be dropped by duplicate detection).
    /// </summary>
    public static Message RetryCopy(Message original, string jobId, int attemptsMade)
    {
        var properties = original.Properties;
        var copy = new Message
        {
            BodySection = original.BodySection,
            Properties = new Properties
            {
                MessageId = $"{jobId}/attempt-{attemptsMade + 1}",
                ContentType = properties?.ContentType ?? ContentType,
                Subject = properties?.Subject,
                CorrelationId = properties?.CorrelationId,
                GroupId = properties?.GroupId,
                ReplyTo = properties?.ReplyTo,
                To = properties?.To,
            },
            ApplicationProperties = new ApplicationProperties(),
        };
        if (original.ApplicationProperties?.Map is { } map)
        {
            foreach (var (key, value) in map)
                copy.ApplicationProperties.Map[key] = value;
        }
        copy.ApplicationProperties[JobIdProperty] = jobId;
        copy.ApplicationProperties[AttemptsProperty] = attemptsMade;
        if (original.Header?.Ttl is > 0 and var ttl)
            copy.Header = new Header { Ttl = ttl };
        return copy;
    }

    public static Error DeadLetterError(string reason, string description) => new(DeadLetterCondition)
    {
        Info = new Fields
        {
            [DeadLetterReason] = reason,
            [DeadLetterDescription] = description,
        },
    };

    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    private static object? Annotation(Message message, Symbol key) =>
        message.MessageAnnotations?.Map is { } map && map.TryGetValue(key, out var value) ? value : null;
}
