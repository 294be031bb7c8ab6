using System.Globalization;
using System.Text;
using System.Text.Json;
using Ferry.Amqp;
using Ferry.Broker;

namespace Ferry.Server.Http;

/// <summary>
/// A test message posted to <c>POST /api/queues/{name}/messages</c>, encoded as a real AMQP message: header (durable,
/// ttl), message-annotations (scheduled enqueue time), properties, application-properties and one data section.
/// </summary>
/// <remarks>
/// The body is written the way the Service Bus JavaScript SDK writes a non-binary body: its JSON text, UTF-8, so that
/// SDK gives receivers back the same value (a string arrives as that string). The one exception: a string body with a
/// content type that is not JSON (<c>text/plain</c>, …) is written as the bare text. The content type defaults to
/// <c>application/json</c>.
/// </remarks>
internal sealed class TestMessage
{
    private static readonly string[] Fields =
    [
        "body", "contentType", "messageId", "correlationId", "sessionId", "subject", "to", "replyTo", "replyToSessionId",
        "applicationProperties", "scheduledEnqueueTime", "timeToLive",
    ];

    private static readonly TimeSpan MaxHeaderTtl = TimeSpan.FromMilliseconds(uint.MaxValue);

    public byte[] Body { get; init; } = [];

    public string? ContentType { get; init; } = "application/json";

    public string? MessageId { get; init; }

    public string? CorrelationId { get; init; }

    public string? SessionId { get; init; }

    public string? Subject { get; init; }

    public string? To { get; init; }

    public string? ReplyTo { get; init; }

    public string? ReplyToSessionId { get; init; }

    public AmqpMap? ApplicationProperties { get; init; }

    public DateTimeOffset? ScheduledEnqueueTime { get; init; }

    public TimeSpan? TimeToLive { get; init; }

    /// <exception cref="AdminInputException">An unknown field or a value of the wrong type.</exception>
    public static TestMessage Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new AdminInputException("body", $"The request must be a JSON object with the fields {string.Join(", ", Fields)}.");
        JsonElement? body = null;
        string? contentType = null, messageId = null, correlationId = null, sessionId = null, subject = null, to = null, replyTo = null, replyToSession = null;
        AmqpMap? application = null;
        DateTimeOffset? scheduled = null;
        TimeSpan? ttl = null;
        foreach (var field in root.EnumerateObject())
        {
            var name = Array.Find(Fields, f => string.Equals(f, field.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw new AdminInputException(field.Name, $"Unknown field '{field.Name}'.", string.Join(", ", Fields));
            var value = field.Value;
            switch (name)
            {
                case "body": body = value; break;
                case "contentType": contentType = Text(name, value); break;
                case "messageId": messageId = Text(name, value, maxLength: 128); break;
                case "correlationId": correlationId = Text(name, value, maxLength: 128); break;
                case "sessionId": sessionId = Text(name, value, maxLength: 128); break;
                case "subject": subject = Text(name, value); break;
                case "to": to = Text(name, value); break;
                case "replyTo": replyTo = Text(name, value); break;
                case "replyToSessionId": replyToSession = Text(name, value, maxLength: 128); break;
                case "applicationProperties": application = ReadApplicationProperties(value); break;
                case "scheduledEnqueueTime": scheduled = ReadTime(name, value); break;
                case "timeToLive": ttl = ReadTtl(value); break;
            }
        }
        var (bytes, type) = EncodeBody(body, contentType);
        return new TestMessage
        {
            Body = bytes,
            ContentType = type,
            MessageId = messageId,
            CorrelationId = correlationId,
            SessionId = sessionId,
            Subject = subject,
            To = to,
            ReplyTo = replyTo,
            ReplyToSessionId = replyToSession,
            ApplicationProperties = application,
            ScheduledEnqueueTime = scheduled,
            TimeToLive = ttl,
        };
    }

    /// <summary>The encoded AMQP message and the fields the broker acts on; a missing message id becomes a new GUID (32 hex digits).</summary>
    public IncomingMessage ToIncoming(DateTimeOffset now)
    {
        var messageId = MessageId ?? Guid.NewGuid().ToString("N");
        var writer = new AmqpWriter(256 + Body.Length);
        try
        {
            new Header { Durable = true, Ttl = TimeToLive is { } ttl ? (uint)ttl.TotalMilliseconds : null }.Encode(ref writer);
            if (ScheduledEnqueueTime is { } at)
                MapSection.Encode(ref writer, Descriptor.MessageAnnotations, new AmqpMap { [ServiceBusAnnotations.ScheduledEnqueueTime] = at });
            new Properties
            {
                MessageId = messageId,
                CorrelationId = CorrelationId,
                To = To,
                Subject = Subject,
                ReplyTo = ReplyTo,
                ContentType = ContentType is { } contentType ? new AmqpSymbol(contentType) : (AmqpSymbol?)null,
                GroupId = SessionId,
                ReplyToGroupId = ReplyToSessionId,
                CreationTime = now,
                AbsoluteExpiryTime = TimeToLive is { } lifetime ? now + lifetime : null,
            }.Encode(ref writer);
            if (ApplicationProperties is { Count: > 0 } application)
                MapSection.Encode(ref writer, Descriptor.ApplicationProperties, application);
            writer.WriteDescriptor(Descriptor.Data);
            writer.WriteBinary(Body);
            return new IncomingMessage
            {
                Body = writer.ToArray(),
                MessageId = messageId,
                SessionId = SessionId,
                TimeToLive = TimeToLive,
                ScheduledEnqueueTime = ScheduledEnqueueTime is { } scheduled && scheduled > now ? scheduled : null,
            };
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static (byte[] Bytes, string ContentType) EncodeBody(JsonElement? body, string? contentType)
    {
        var type = contentType ?? "application/json";
        if (body is not { } element)
            return ([], type);
        var json = type.Split(';', 2)[0].Trim();
        var isJson = json.Equals("application/json", StringComparison.OrdinalIgnoreCase) || json.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        if (element.ValueKind == JsonValueKind.String && !isJson)
            return (Encoding.UTF8.GetBytes(element.GetString()!), type);
        return (Encoding.UTF8.GetBytes(element.GetRawText()), type);
    }

    private static string? Text(string name, JsonElement value, int maxLength = int.MaxValue)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.String)
            throw new AdminInputException(name, $"'{name}' must be a string, found {value.ValueKind}.", "a string");
        var text = value.GetString()!;
        if (text.Length > maxLength)
            throw new AdminInputException(name, $"'{name}' is {text.Length} characters long.", $"at most {maxLength} characters");
        return text;
    }

    private static AmqpMap? ReadApplicationProperties(JsonElement value)
    {
        const string Allowed = "an object whose values are strings, numbers, booleans or null";
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Object)
            throw new AdminInputException("applicationProperties", $"'applicationProperties' must be an object, found {value.ValueKind}.", Allowed);
        var map = new AmqpMap();
        foreach (var property in value.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Null => null,
                JsonValueKind.Number when property.Value.TryGetInt64(out var whole) => whole,
                JsonValueKind.Number => property.Value.GetDouble(),
                _ => throw new AdminInputException($"applicationProperties.{property.Name}",
                    $"The application property '{property.Name}' is {property.Value.ValueKind}; an application property holds a single value.", Allowed),
            };
        }
        return map;
    }

    private static DateTimeOffset ReadTime(string name, JsonElement value)
    {
        const string Allowed = "an ISO 8601 date and time with offset, e.g. 2030-01-01T12:00:00Z";
        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            return time;
        throw new AdminInputException(name, $"'{name}' {value.GetRawText()} is not a date and time.", Allowed);
    }

    private static TimeSpan ReadTtl(JsonElement value)
    {
        var ttl = QueueSettingsReader.ReadDuration("timeToLive", value);
        if (ttl < TimeSpan.FromMilliseconds(1) || ttl > MaxHeaderTtl)
        {
            throw new AdminInputException("timeToLive", $"timeToLive {QueueDescription.Iso(ttl)} is out of range.",
                $"PT0.001S to {QueueDescription.Iso(MaxHeaderTtl)} (the AMQP header's ttl is a 32-bit count of milliseconds)");
        }
        return ttl;
    }
}
