using System.Globalization;
using System.Text;
using System.Text.Json;
using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Server.Amqp;
using Ferry.Server.Http;
using Ferry.Storage;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Rest;

/// <summary>
/// Writes a received message as Service Bus REST gives it: the body as the HTTP body with the message's content type, the
/// broker properties as JSON in the <c>BrokerProperties</c> header, each application property as a header of its own.
/// </summary>
/// <remarks>
/// Body: data sections as their bytes; an amqp-value string as UTF-8 text, binary as its bytes, anything else (and
/// amqp-sequence sections) as JSON. Application property headers follow the Service Bus convention: strings quoted as
/// JSON strings, numbers and booleans bare, timestamps as quoted RFC 1123 dates. Properties whose names are not HTTP
/// header names, or that would stand for a header HTTP or this API uses, are left out.
/// DeliveryCount counts this delivery (1 the first time), as Service Bus REST and the .NET SDK give it; the AMQP header
/// carries the number of earlier attempts.
/// </remarks>
internal static class RestMessageWriter
{
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "BrokerProperties", "Location", "Content-Type", "Content-Length", "Content-Encoding", "Content-Language", "Content-Range",
        "Transfer-Encoding", "Connection", "Date", "Server", "Keep-Alive", "Upgrade", "Trailer", "TE", "Set-Cookie", "WWW-Authenticate",
        "Vary", "Cache-Control", "Expires", "ETag", "Last-Modified", "Age", "Allow", "Retry-After", "Alt-Svc", "Strict-Transport-Security",
    };

    public static async Task WriteAsync(HttpResponse response, int status, BrokerMessage message, ReadOnlyMemory<byte> encoded, bool locked,
        string? location, CancellationToken cancellationToken)
    {
        encoded = ServiceBusMessageCodec.DeliveredBody(message, encoded);
        var sections = MessageSections.Scan(encoded.Span);
        var properties = sections.Properties.IsPresent ? Properties.Decode(sections.Properties.Slice(encoded.Span)) : new Properties();
        var header = sections.Header.IsPresent ? Header.Decode(sections.Header.Slice(encoded.Span)) : new Header();
        ServiceBusMessageCodec.ApplyTimeToLive(message, header);
        var application = sections.ApplicationProperties.IsPresent ? MapSection.Decode(sections.ApplicationProperties.Slice(encoded.Span)) : new AmqpMap();
        ServiceBusMessageCodec.RemoveRemoved(message, application);
        if (message.PropertyOverrides is { } overrides)
        {
            foreach (var (key, value) in overrides)
                application[key] = value;
        }
        var (body, contentType) = Body(encoded.Span, sections, properties.ContentType?.Value);

        response.StatusCode = status;
        response.Headers[RestMessageReader.BrokerPropertiesHeader] = BrokerProperties(message, properties, header, locked);
        if (location is not null)
            response.Headers.Location = location;
        foreach (var (key, value) in application)
        {
            var name = key switch { string s => s, AmqpSymbol symbol => symbol.Value, _ => null };
            if (name is null || !IsHeaderName(name) || ReservedHeaders.Contains(name) || response.Headers.ContainsKey(name))
                continue;
            response.Headers[name] = HeaderValue(value);
        }
        if (contentType is not null)
            response.ContentType = contentType;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The BrokerProperties header: JSON, ASCII only (the default encoder escapes the rest).</summary>
    private static string BrokerProperties(BrokerMessage message, Properties properties, Header header, bool locked)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteText(json, "ContentType", properties.ContentType?.Value);
            WriteText(json, "CorrelationId", ServiceBusMessageCodec.MessageIdText(properties.CorrelationId));
            WriteText(json, "DeadLetterSource", message.DeadLetterSource);
            json.WriteNumber("DeliveryCount", message.DeliveryCount + 1);
            json.WriteNumber("EnqueuedSequenceNumber", 0);
            json.WriteString("EnqueuedTimeUtc", Rfc1123(message.EnqueuedTime));
            WriteText(json, "Label", properties.Subject);
            if (locked && message.LockToken != Guid.Empty)
            {
                json.WriteString("LockToken", message.LockToken.ToString());
                if (message.LockedUntil is { } until)
                    json.WriteString("LockedUntilUtc", Rfc1123(until));
            }
            WriteText(json, "MessageId", message.MessageId ?? ServiceBusMessageCodec.MessageIdText(properties.MessageId));
            WriteText(json, "ReplyTo", properties.ReplyTo);
            WriteText(json, "ReplyToSessionId", properties.ReplyToGroupId);
            if (message.ScheduledEnqueueTime is { } scheduled)
                json.WriteString("ScheduledEnqueueTimeUtc", Rfc1123(scheduled));
            json.WriteNumber("SequenceNumber", message.SequenceNumber);
            WriteText(json, "SessionId", message.SessionId ?? properties.GroupId);
            json.WriteString("State", message.SubQueue == SubQueue.DeadLetter ? "Deadlettered" : message.State.ToString());
            if (TimeToLive(message, header) is { } ttl)
                json.WriteNumber("TimeToLive", ttl.TotalSeconds);
            WriteText(json, "To", properties.To);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static TimeSpan? TimeToLive(BrokerMessage message, Header header)
    {
        if (header.Ttl is { } ms)
            return TimeSpan.FromMilliseconds(ms);
        if (message.ExpiresAt is { } expires)
            return expires - message.EnqueuedTime;
        return null;
    }

    private static void WriteText(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
            json.WriteString(name, value);
    }

    public static string Rfc1123(DateTimeOffset time) => time.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);

    private static (byte[] Body, string? ContentType) Body(ReadOnlySpan<byte> encoded, in MessageSections sections, string? contentType)
    {
        if (sections.BodySectionCount == 0)
            return ([], contentType);
        var bodyBytes = sections.Body.Slice(encoded);
        var values = new List<object?>(sections.BodySectionCount);
        while (!bodyBytes.IsEmpty)
        {
            var length = AmqpReader.GetEncodedLength(bodyBytes);
            values.Add(((DescribedValue)AmqpEncoder.Decode(bodyBytes[..length])!).Value);
            bodyBytes = bodyBytes[length..];
        }
        switch (sections.BodyKind)
        {
            case MessageBodyKind.AmqpValue:
                return values[0] switch
                {
                    string text => (Encoding.UTF8.GetBytes(text), contentType ?? "text/plain; charset=utf-8"),
                    byte[] bytes => (bytes, contentType),
                    var value => (Json(value), contentType ?? "application/json"),
                };
            case MessageBodyKind.AmqpSequence:
                return (Json(values), contentType ?? "application/json");
            default:
                if (values.Count == 1)
                    return (values[0] as byte[] ?? [], contentType);
                using (var joined = new MemoryStream())
                {
                    foreach (var section in values)
                        joined.Write(section as byte[] ?? []);
                    return (joined.ToArray(), contentType);
                }
        }
    }

    private static byte[] Json(object? value) => Encoding.UTF8.GetBytes(new AmqpJson(int.MaxValue).Render(value)?.ToJsonString() ?? "null");

    private static string HeaderValue(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        sbyte or byte or short or ushort or int or uint or long or ulong => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        float f when float.IsFinite(f) => f.ToString("R", CultureInfo.InvariantCulture),
        double d when double.IsFinite(d) => d.ToString("R", CultureInfo.InvariantCulture),
        string s => JsonSerializer.Serialize(s),
        DateTimeOffset t => JsonSerializer.Serialize(Rfc1123(t)),
        DateTime t => JsonSerializer.Serialize(Rfc1123(new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero))),
        Guid g => JsonSerializer.Serialize(g.ToString()),
        AmqpSymbol symbol => JsonSerializer.Serialize(symbol.Value),
        _ => new AmqpJson(int.MaxValue).Render(value)?.ToJsonString() ?? "null",
    };

    /// <summary>An HTTP token (RFC 9110 §5.6.2): the characters a header name may hold.</summary>
    private static bool IsHeaderName(string name)
    {
        if (name.Length == 0)
            return false;
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
                return false;
        }
        return true;
    }
}
