using Ferry.Server.Amqp;
using Ferry.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Rest;

/// <summary>
/// Who may use the REST messaging API: the admin API's rule (<see cref="AdminAuthorization"/>): open in development mode
/// (by default, a loopback bind), else <c>Authorization: SharedAccessSignature …</c> (or the <c>ServiceBusAuthorization</c>
/// header) signed with one of the server's keys, or the admin bearer token.
/// </summary>
/// <remarks>
/// A SAS token's audience covers the namespace, or an entity and every path below it (a topic's token covers its
/// subscriptions, a queue's its dead-letter queue), as Service Bus scopes tokens. The audience may be written with or
/// without a scheme (<c>sb://host/queue</c>, <c>https://host/queue</c>, <c>host/queue</c>).
/// </remarks>
internal sealed class RestAuthorization
{
    private const string ServiceBusAuthorizationHeader = "ServiceBusAuthorization";
    private readonly AdminAuthorization _admin;
    private readonly SasTokenValidator _tokens;

    public RestAuthorization(FerryServerOptions options, TimeProvider time)
    {
        _admin = new AdminAuthorization(options, time);
        _tokens = new SasTokenValidator(options.EffectiveKeys, time);
    }

    public bool IsOpen => _admin.IsOpen;

    /// <summary>Null when the request may act on <paramref name="entity"/>, else the 401 detail.</summary>
    public string? Check(HttpContext context, string entity)
    {
        if (_admin.IsOpen)
            return null;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
            header = context.Request.Headers[ServiceBusAuthorizationHeader].ToString();
        header = header.Trim();
        if (header.Length == 0)
            return "This endpoint needs an Authorization header: a Service Bus 'SharedAccessSignature sr=…&sig=…&se=…&skn=…' token.";
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return _admin.Check(context);
        if (!_tokens.TryValidate(header, out var audience, out _, out var error))
            return $"The authorization token is not valid: {error}";
        var scope = SasTokenValidator.AudiencePath(audience.Contains("://", StringComparison.Ordinal) ? audience : "sb://" + audience);
        if (scope.Length == 0
            || string.Equals(scope, entity, StringComparison.OrdinalIgnoreCase)
            || entity.StartsWith(scope + "/", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return $"The token is for '{scope}', which does not cover '{entity}'; use a token for the entity or the namespace.";
    }
}
