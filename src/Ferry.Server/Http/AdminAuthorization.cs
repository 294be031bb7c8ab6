using System.Net;
using System.Security.Cryptography;
using System.Text;
using Ferry.Server.Amqp;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Http;

/// <summary>
/// Who may use the admin API and <c>/metrics</c>: in development mode everyone; otherwise a request with
/// <c>Authorization: Bearer &lt;AdminToken&gt;</c> or <c>Authorization: SharedAccessSignature sr=…&amp;sig=…&amp;se=…&amp;skn=…</c>
/// signed with one of the server's keys, for the namespace (<c>sb://host/</c>) or for the queue the request names.
/// </summary>
/// <remarks>
/// Development mode is <see cref="FerryServerOptions.DevelopmentMode"/>, or when that is null, a loopback bind: a
/// server only this machine can reach is open, one reachable from the network is not.
/// </remarks>
internal sealed class AdminAuthorization
{
    private readonly byte[]? _adminToken;
    private readonly SasTokenValidator _tokens;

    public AdminAuthorization(FerryServerOptions options, TimeProvider time)
    {
        IsOpen = options.DevelopmentMode ?? IsLoopback(options.Bind);
        _adminToken = string.IsNullOrEmpty(options.AdminToken) ? null : Encoding.UTF8.GetBytes(options.AdminToken);
        _tokens = new SasTokenValidator(options.EffectiveKeys, time);
    }

    /// <summary>True in development mode: no authorization is asked for.</summary>
    public bool IsOpen { get; }

    public static bool IsLoopback(string bind) =>
        bind == "localhost" || (IPAddress.TryParse(bind, out var address) && IPAddress.IsLoopback(address));

    /// <summary>Null when the request is authorized, else why not (for the 401 detail).</summary>
    public string? Check(HttpContext context)
    {
        if (IsOpen)
            return null;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
            return "This endpoint needs an Authorization header: 'Bearer <admin token>' or a Service Bus 'SharedAccessSignature' token.";
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            if (_adminToken is null)
                return "No admin token is configured on this server (AdminToken); use a SharedAccessSignature token.";
            var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
            return CryptographicOperations.FixedTimeEquals(presented, _adminToken) ? null : "The bearer token is not the admin token.";
        }
        if (header.StartsWith("SharedAccessSignature ", StringComparison.Ordinal))
        {
            if (!_tokens.TryValidate(header, out var audience, out _, out var error))
                return error;
            var path = SasTokenValidator.AudiencePath(audience);
            if (path.Length == 0)
                return null;
            // A topic's token covers its subscriptions, as in Service Bus.
            var values = context.Request.RouteValues;
            var entity = values.TryGetValue("name", out var name) || values.TryGetValue("topic", out name)
                ? Uri.UnescapeDataString(name?.ToString() ?? "")
                : null;
            return entity is not null && string.Equals(path, entity, StringComparison.OrdinalIgnoreCase)
                ? null
                : $"The token is for '{path}', which does not cover this request; use a token for the namespace.";
        }
        return "The Authorization header is neither 'Bearer <admin token>' nor a 'SharedAccessSignature' token.";
    }
}
