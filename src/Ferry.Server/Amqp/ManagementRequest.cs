using Ferry.Amqp;

namespace Ferry.Server.Amqp;

/// <summary>
/// A request to <c>$cbs</c> or <c>$management</c>: message-id and reply-to from the properties, the operation from the
/// application-properties, the amqp-value body (reference §2.2, §6.2); and how its responses are encoded (§2.3, §6.3).
/// </summary>
internal sealed class ManagementRequest
{
    private static readonly AmqpSymbol ErrorConditionKey = "errorCondition";

    public object? MessageId { get; private init; }

    public string? ReplyTo { get; private init; }

    public string? Operation { get; private init; }

    public AmqpMap ApplicationProperties { get; private init; } = new();

    /// <summary>The amqp-value body: a map for management operations, a string token for put-token.</summary>
    public object? Body { get; private init; }

    public AmqpMap BodyMap => Body as AmqpMap ?? new AmqpMap();

    /// <exception cref="AmqpDecodeException">The message is malformed.</exception>
    public static ManagementRequest Decode(ReadOnlySpan<byte> message)
    {
        var sections = MessageSections.Scan(message);
        var properties = sections.Properties.IsPresent ? Properties.Decode(sections.Properties.Slice(message)) : new Properties();
        var applicationProperties = sections.ApplicationProperties.IsPresent
            ? MapSection.Decode(sections.ApplicationProperties.Slice(message))
            : new AmqpMap();
        object? body = null;
        if (sections.BodyKind == MessageBodyKind.AmqpValue && sections.Body.IsPresent)
        {
            var reader = new AmqpReader(sections.Body.Slice(message));
            reader.ReadDescriptorCode();
            body = reader.ReadValue();
        }
        return new ManagementRequest
        {
            MessageId = properties.MessageId,
            ReplyTo = properties.ReplyTo,
            Operation = applicationProperties.TryGetValue("operation", out var operation) ? operation as string ?? (operation as AmqpSymbol?)?.Value : null,
            ApplicationProperties = applicationProperties,
            Body = body,
        };
    }

    /// <summary>
    /// Encodes a response: correlation-id = the request's message-id (same AMQP type), status in
    /// <c>status-code</c>/<c>status-description</c> for CBS and camelCase <c>statusCode</c>/<c>statusDescription</c> for
    /// management, <c>errorCondition</c> as a symbol on failures, and the body as amqp-value.
    /// </summary>
    public byte[] Response(bool cbs, int status, string description, object? body = null, AmqpSymbol? errorCondition = null)
    {
        var applicationProperties = new AmqpMap
        {
            [cbs ? "status-code" : "statusCode"] = status,
            [cbs ? "status-description" : "statusDescription"] = description,
        };
        if (errorCondition is { } condition)
            applicationProperties[cbs ? "error-condition" : "errorCondition"] = condition;
        var writer = new AmqpWriter(256);
        try
        {
            new Properties { CorrelationId = MessageId }.Encode(ref writer);
            MapSection.Encode(ref writer, Descriptor.ApplicationProperties, applicationProperties);
            if (body is not null)
            {
                writer.WriteDescriptor(Descriptor.AmqpValue);
                writer.WriteValue(body);
            }
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    public byte[] ErrorResponse(bool cbs, int status, AmqpSymbol condition, string description) =>
        Response(cbs, status, description, null, condition);

    internal static AmqpSymbol ErrorConditionSymbol => ErrorConditionKey;
}
