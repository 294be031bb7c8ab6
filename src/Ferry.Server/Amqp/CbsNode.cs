using Ferry.Amqp;

namespace Ferry.Server.Amqp;

/// <summary>
/// <c>$cbs</c> put-token (reference §2): validates the SAS token against the configured keys and remembers its
/// audience on the connection; links attach only to what a valid token covers. Replies 202, or 401 with
/// amqp:unauthorized-access.
/// </summary>
internal static class CbsNode
{
    public static byte[] Handle(AmqpConnection connection, ManagementRequest request)
    {
        if (request.Operation != "put-token")
            return request.ErrorResponse(cbs: true, 400, ServiceBusErrors.NotAllowed, $"The $cbs node supports put-token, not '{request.Operation}'.");
        var type = request.ApplicationProperties.TryGetValue("type", out var t) ? t as string : null;
        if (type is not null && type != "servicebus.windows.net:sastoken")
        {
            return request.ErrorResponse(cbs: true, 401, ServiceBusErrors.Unauthorized,
                $"Token type '{type}' is not supported; Ferry validates SAS tokens (servicebus.windows.net:sastoken).");
        }
        if (request.Body is not string token)
            return request.ErrorResponse(cbs: true, 400, ServiceBusErrors.ArgumentError, "The put-token body must be the token as an AMQP string.");
        if (!connection.Tokens.TryValidate(token, out var audience, out var expires, out var error))
            return request.ErrorResponse(cbs: true, 401, ServiceBusErrors.Unauthorized, $"InvalidSignature: {error}");
        connection.AddToken(audience, expires);
        return request.Response(cbs: true, 202, "Accepted");
    }
}
