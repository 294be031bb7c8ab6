using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using System.Xml;
using Ferry.Amqp;
using Ferry.Broker;

using Ferry.Server.Amqp;

namespace Ferry.Server.Http;

/// <summary>
/// Turns a stored message (encoded AMQP sections plus the broker's overrides) into a <see cref="MessageView"/>. Bodies:
/// data sections whose content is text (a text, JSON or XML content type, or valid UTF-8 with no content type) are shown
/// as text, other data as base64, both cut at the body limit; an amqp-value as its JSON rendering; amqp-sequence
/// sections as an array with one array per section.
/// </summary>
internal static class MessageRenderer
{
    public static MessageView Render(BrokerMessage message, ReadOnlySpan<byte> encoded, int bodyLimit)
    {
        encoded = ServiceBusMessageCodec.DeliveredSpan(message, encoded);
        var sections = MessageSections.Scan(encoded);
        var json = new AmqpJson(bodyLimit);
        var properties = sections.Properties.IsPresent ? Properties.Decode(sections.Properties.Slice(encoded)) : new Properties();
        var header = sections.Header.IsPresent ? Header.Decode(sections.Header.Slice(encoded)) : new Header();
        ServiceBusMessageCodec.ApplyTimeToLive(message, header);
        var system = new JsonObject
        {
            ["messageId"] = json.Render(properties.MessageId),
            ["correlationId"] = json.Render(properties.CorrelationId),
            ["subject"] = properties.Subject,
            ["contentType"] = properties.ContentType?.Value,
            ["contentEncoding"] = properties.ContentEncoding?.Value,
            ["to"] = properties.To,
            ["replyTo"] = properties.ReplyTo,
            ["sessionId"] = properties.GroupId,
            ["replyToSessionId"] = properties.ReplyToGroupId,
            ["userId"] = json.Render(properties.UserId),
            ["creationTime"] = json.Render(properties.CreationTime),
            ["absoluteExpiryTime"] = json.Render(properties.AbsoluteExpiryTime),
            ["timeToLive"] = header.Ttl is { } ttl ? XmlConvert.ToString(TimeSpan.FromMilliseconds(ttl)) : null,
            ["priority"] = header.Priority,
            ["durable"] = header.Durable,
        };

        var application = sections.ApplicationProperties.IsPresent ? MapSection.Decode(sections.ApplicationProperties.Slice(encoded)) : new AmqpMap();
        ServiceBusMessageCodec.RemoveRemoved(message, application);
        if (message.PropertyOverrides is { } overrides)
        {
            foreach (var (key, value) in overrides)
                application[key] = value;
        }
        var annotations = sections.MessageAnnotations.IsPresent ? MapSection.Decode(sections.MessageAnnotations.Slice(encoded)) : new AmqpMap();

        var applicationJson = (JsonObject)json.Render(application)!;
        var annotationsJson = (JsonObject)json.Render(annotations)!;
        var body = RenderBody(encoded, sections, properties.ContentType?.Value, bodyLimit);
        return MessageView.Of(message, system, applicationJson, annotationsJson, body);
    }

    private static JsonObject RenderBody(ReadOnlySpan<byte> encoded, in MessageSections sections, string? contentType, int limit)
    {
        if (sections.BodySectionCount == 0)
            return new JsonObject { ["type"] = "none" };
        var bodyBytes = sections.Body.Slice(encoded);
        var values = new List<object?>(sections.BodySectionCount);
        while (!bodyBytes.IsEmpty)
        {
            var length = AmqpReader.GetEncodedLength(bodyBytes);
            var section = (DescribedValue)AmqpEncoder.Decode(bodyBytes[..length])!;
            values.Add(section.Value);
            bodyBytes = bodyBytes[length..];
        }
        var json = new AmqpJson(limit);
        switch (sections.BodyKind)
        {
            case MessageBodyKind.AmqpValue:
            {
                var value = json.Render(values[0]);
                return new JsonObject { ["type"] = "value", ["value"] = value, ["truncated"] = json.Truncated };
            }
            case MessageBodyKind.AmqpSequence:
            {
                var value = json.Render(values);
                return new JsonObject { ["type"] = "sequence", ["value"] = value, ["truncated"] = json.Truncated };
            }
            default:
                return RenderData(values, contentType, limit);
        }
    }

    private static JsonObject RenderData(List<object?> sections, string? contentType, int limit)
    {
        byte[] data;
        if (sections.Count == 1)
        {
            data = sections[0] as byte[] ?? [];
        }
        else
        {
            using var joined = new MemoryStream();
            foreach (var section in sections)
                joined.Write(section as byte[] ?? []);
            data = joined.ToArray();
        }
        var truncated = data.Length > limit;
        var result = new JsonObject { ["type"] = "data", ["size"] = data.Length, ["sections"] = sections.Count };
        if (IsText(contentType, data))
        {
            var cut = truncated ? CharBoundary(data, limit) : data.Length;
            var text = Encoding.UTF8.GetString(data, 0, cut);
            result["encoding"] = "text";
            result["content"] = text;
            if (!truncated && IsJson(contentType) && TryParseJson(text) is { } parsed)
                result["json"] = parsed;
        }
        else
        {
            result["encoding"] = "base64";
            result["content"] = Convert.ToBase64String(data, 0, Math.Min(limit, data.Length));
        }
        result["truncated"] = truncated;
        return result;
    }

    private static bool IsText(string? contentType, byte[] data)
    {
        if (!Utf8.IsValid(data))
            return false;
        if (contentType is null)
            return !HasControlCharacters(data);
        var type = contentType.Split(';', 2)[0].Trim();
        return type.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || IsJson(type)
            || type.Equals("application/xml", StringComparison.OrdinalIgnoreCase)
            || type.EndsWith("+xml", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/javascript", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsJson(string? contentType)
    {
        if (contentType is null)
            return true;
        var type = contentType.Split(';', 2)[0].Trim();
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static bool HasControlCharacters(byte[] data)
    {
        foreach (var b in data)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r'))
                return true;
        }
        return false;
    }

    /// <summary>The largest cut at or below <paramref name="limit"/> that does not split a UTF-8 sequence.</summary>
    private static int CharBoundary(byte[] data, int limit)
    {
        var cut = limit;
        while (cut > 0 && (data[cut] & 0xC0) == 0x80)
            cut--;
        return cut;
    }

    private static JsonNode? TryParseJson(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
