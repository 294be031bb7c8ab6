using System.Globalization;
using System.Text;
using System.Text.Json;
using Ferry.Amqp;
using Ferry.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Rest;

/// <summary>
/// Reads messages sent over REST into <see cref="TestMessage"/>s (which encode them as AMQP messages): a single message
/// (body = the HTTP body, <c>Content-Type</c> kept, <c>BrokerProperties</c> header, custom properties as other headers)
/// or a batch (<c>application/vnd.microsoft.servicebus.json</c>: an array of <c>{Body, BrokerProperties, UserProperties}</c>).
/// </summary>
/// <remarks>
/// BrokerProperties: MessageId, CorrelationId, SessionId, Label (the subject), To, ReplyTo, ReplyToSessionId,
/// TimeToLive (seconds) and ScheduledEnqueueTimeUtc (RFC 1123, or ISO 8601) are used; other names are ignored, as Service
/// Bus ignores them. Custom property headers follow the Service Bus convention: a JSON string (<c>"High"</c>) is a
/// string, <c>true</c>/<c>false</c> a boolean, a number a number; any other value is taken as the text it is.
/// </remarks>
internal static class RestMessageReader
{
    public const string BatchContentType = "application/vnd.microsoft.servicebus.json";
    public const string BrokerPropertiesHeader = "BrokerProperties";
    private const int MaxIdLength = 128;
    private static readonly TimeSpan MaxHeaderTtl = TimeSpan.FromMilliseconds(uint.MaxValue);

    /// <summary>Request headers that belong to HTTP, authorization or tracing, not to the message.</summary>
    private static readonly HashSet<string> TransportHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Authorization", "BrokerProperties", "Cache-Control",
        "Connection", "Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type", "Cookie", "Date",
        "Expect", "Host", "If-Match", "If-Modified-Since", "If-None-Match", "If-Unmodified-Since", "Keep-Alive", "Origin", "Pragma",
        "Proxy-Authorization", "Proxy-Connection", "Range", "Referer", "ServiceBusAuthorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "User-Agent", "Via", "Warning", "traceparent", "tracestate", "baggage", "Request-Id",
        "Correlation-Context", "Forwarded",
    };

    public static bool IsBatch(string? contentType) =>
        contentType is not null && contentType.Split(';', 2)[0].Trim().Equals(BatchContentType, StringComparison.OrdinalIgnoreCase);

    /// <exception cref="RestException">400 for a BrokerProperties header that is not a JSON object of the right types.</exception>
    public static TestMessage ReadSingle(byte[] body, HttpRequest request)
    {
        var brokerProperties = request.Headers[BrokerPropertiesHeader].ToString();
        BrokerFields fields = default;
        if (!string.IsNullOrWhiteSpace(brokerProperties))
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(brokerProperties);
            }
            catch (JsonException ex)
            {
                throw RestException.BadRequest($"The BrokerProperties header is not valid JSON: {ex.Message}");
            }
            using (document)
                fields = ReadBrokerProperties(document.RootElement, BrokerPropertiesHeader);
        }
        return fields.ToMessage(body, string.IsNullOrEmpty(request.ContentType) ? null : request.ContentType, ReadHeaderProperties(request.Headers));
    }

    /// <exception cref="RestException">400 for a body that is not an array of message objects.</exception>
    public static List<TestMessage> ReadBatch(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw RestException.BadRequest($"The batch is not valid JSON: {ex.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
                throw RestException.BadRequest($"A batch ({BatchContentType}) must be a JSON array of {{\"Body\", \"BrokerProperties\", \"UserProperties\"}} objects; found {root.ValueKind}.");
            if (root.GetArrayLength() == 0)
                throw RestException.BadRequest("The batch is empty; send at least one message.");
            var messages = new List<TestMessage>(root.GetArrayLength());
            var index = 0;
            foreach (var item in root.EnumerateArray())
            {
                var where = $"[{index}]";
                if (item.ValueKind != JsonValueKind.Object)
                    throw RestException.BadRequest($"Batch element {where} must be an object with Body, BrokerProperties and UserProperties; found {item.ValueKind}.");
                byte[] bytes = [];
                BrokerFields fields = default;
                AmqpMap? user = null;
                foreach (var property in item.EnumerateObject())
                {
                    if (Is(property.Name, "Body"))
                        bytes = property.Value.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetBytes(property.Value.GetString()!) : Encoding.UTF8.GetBytes(property.Value.GetRawText());
                    else if (Is(property.Name, "BrokerProperties"))
                        fields = ReadBrokerProperties(property.Value, $"{where}.BrokerProperties");
                    else if (Is(property.Name, "UserProperties"))
                        user = ReadUserProperties(property.Value, $"{where}.UserProperties");
                }
                messages.Add(fields.ToMessage(bytes, null, user));
                index++;
            }
            return messages;
        }
    }

    private static BrokerFields ReadBrokerProperties(JsonElement value, string where)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return default;
        if (value.ValueKind != JsonValueKind.Object)
            throw RestException.BadRequest($"{where} must be a JSON object, found {value.ValueKind}.");
        var fields = new BrokerFields();
        foreach (var property in value.EnumerateObject())
        {
            var name = property.Name;
            var v = property.Value;
            if (Is(name, "MessageId"))
                fields.MessageId = Text(where, "MessageId", v, MaxIdLength);
            else if (Is(name, "CorrelationId"))
                fields.CorrelationId = Text(where, "CorrelationId", v, MaxIdLength);
            else if (Is(name, "SessionId"))
                fields.SessionId = Text(where, "SessionId", v, MaxIdLength);
            else if (Is(name, "Label"))
                fields.Label = Text(where, "Label", v, int.MaxValue);
            else if (Is(name, "To"))
                fields.To = Text(where, "To", v, int.MaxValue);
            else if (Is(name, "ReplyTo"))
                fields.ReplyTo = Text(where, "ReplyTo", v, int.MaxValue);
            else if (Is(name, "ReplyToSessionId"))
                fields.ReplyToSessionId = Text(where, "ReplyToSessionId", v, MaxIdLength);
            else if (Is(name, "TimeToLive"))
                fields.TimeToLive = TimeToLive(where, v);
            else if (Is(name, "ScheduledEnqueueTimeUtc"))
                fields.ScheduledEnqueueTime = Time(where, "ScheduledEnqueueTimeUtc", v);
        }
        return fields;
    }

    private static string? Text(string where, string name, JsonElement value, int maxLength)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.String)
            throw RestException.BadRequest($"{where}.{name} must be a string, found {value.ValueKind} ({value.GetRawText()}).");
        var text = value.GetString()!;
        if (text.Length > maxLength)
            throw RestException.BadRequest($"{where}.{name} is {text.Length} characters long; at most {maxLength} are allowed.");
        return text;
    }

    /// <summary>TimeToLive in seconds (fractions allowed); a value past what the AMQP header holds means "the entity's default".</summary>
    private static TimeSpan? TimeToLive(string where, JsonElement value)
    {
        double seconds;
        if (value.ValueKind == JsonValueKind.Number)
            seconds = value.GetDouble();
        else if (value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
            seconds = parsed;
        else
            throw RestException.BadRequest($"{where}.TimeToLive must be a number of seconds, found {value.GetRawText()}.");
        if (!double.IsFinite(seconds) || seconds < 0.001)
            throw RestException.BadRequest($"{where}.TimeToLive {value.GetRawText()} is out of range; it must be at least 0.001 seconds.");
        return seconds * 1000 >= MaxHeaderTtl.TotalMilliseconds ? null : TimeSpan.FromMilliseconds(Math.Round(seconds * 1000));
    }

    private static DateTimeOffset Time(string where, string name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!.Trim();
            if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var rfc1123)
                || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out rfc1123))
            {
                return rfc1123;
            }
        }
        throw RestException.BadRequest($"{where}.{name} {value.GetRawText()} is not a date and time; use RFC 1123, e.g. \"Sun, 06 Nov 1994 08:49:37 GMT\".");
    }

    private static AmqpMap? ReadUserProperties(JsonElement value, string where)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Object)
            throw RestException.BadRequest($"{where} must be a JSON object, found {value.ValueKind}.");
        var map = new AmqpMap();
        foreach (var property in value.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Null => null,
                JsonValueKind.Number => Number(property.Value.GetRawText()),
                _ => throw RestException.BadRequest($"{where}.{property.Name} is {property.Value.ValueKind}; a property holds a string, number, boolean or null."),
            };
        }
        return map;
    }

    /// <summary>Every header that is not HTTP's, authorization's or tracing's becomes an application property.</summary>
    private static AmqpMap? ReadHeaderProperties(IHeaderDictionary headers)
    {
        AmqpMap? map = null;
        foreach (var (name, values) in headers)
        {
            if (TransportHeaders.Contains(name) || name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase) || name.StartsWith(':'))
            {
                continue;
            }
            map ??= new AmqpMap();
            map[name] = HeaderValue(values.ToString());
        }
        return map;
    }

    private static object? HeaderValue(string raw)
    {
        var text = raw.Trim();
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            try
            {
                return JsonSerializer.Deserialize<string>(text);
            }
            catch (JsonException)
            {
                return text[1..^1];
            }
        }
        if (text == "true")
            return true;
        if (text == "false")
            return false;
        return text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] == '-') ? Number(text) ?? text : text;
    }

    /// <summary>An int when it fits, else a long, else a double; null when the text is not a number.</summary>
    private static object? Number(string text)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
            return whole is >= int.MinValue and <= int.MaxValue ? (object)(int)whole : whole;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
            return real;
        return null;
    }

    private static bool Is(string name, string expected) => string.Equals(name, expected, StringComparison.OrdinalIgnoreCase);

    private struct BrokerFields
    {
        public string? MessageId;
        public string? CorrelationId;
        public string? SessionId;
        public string? Label;
        public string? To;
        public string? ReplyTo;
        public string? ReplyToSessionId;
        public TimeSpan? TimeToLive;
        public DateTimeOffset? ScheduledEnqueueTime;

        public readonly TestMessage ToMessage(byte[] body, string? contentType, AmqpMap? applicationProperties) => new()
        {
            Body = body,
            ContentType = contentType,
            MessageId = MessageId,
            CorrelationId = CorrelationId,
            SessionId = SessionId,
            Subject = Label,
            To = To,
            ReplyTo = ReplyTo,
            ReplyToSessionId = ReplyToSessionId,
            ApplicationProperties = applicationProperties,
            TimeToLive = TimeToLive,
            ScheduledEnqueueTime = ScheduledEnqueueTime,
        };
    }
}
