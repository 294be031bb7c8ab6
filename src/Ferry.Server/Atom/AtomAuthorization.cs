using Ferry.Server.Amqp;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Atom;

/// <summary>
/// Authorizes management requests: an <c>Authorization</c> (or <c>ServiceBusAuthorization</c>) header holding a
/// <c>SharedAccessSignature</c> token signed with one of the server's keys and not expired.
/// </summary>
/// <remarks>
/// The audience (<c>sr</c>) is not matched against the request: the JS administration client signs the lower-cased,
/// url-encoded request URL including its query, the .NET one the namespace address, and a proxy or port mapping changes
/// both. A valid signature from a configured key is what proves the caller holds the key. Unlike the JSON admin API,
/// there is no development mode here: the clients of this API always sign.
/// </remarks>
internal sealed class AtomAuthorization
{
    private const string ServiceBusAuthorizationHeader = "ServiceBusAuthorization";
    private readonly SasTokenValidator _tokens;

    public AtomAuthorization(IReadOnlyList<SharedAccessKey> keys, TimeProvider time) => _tokens = new SasTokenValidator(keys, time);

    /// <summary>Null when the request is authorized, else the 401 detail.</summary>
    public string? Check(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0)
            header = request.Headers[ServiceBusAuthorizationHeader].ToString();
        if (header.Length == 0)
        {
            return "The request has no Authorization header. The management API needs 'Authorization: SharedAccessSignature sr=…&sig=…&se=…&skn=…' "
                + "signed with one of the server's keys.";
        }
        return _tokens.TryValidate(header.Trim(), out _, out _, out var error) ? null : $"The authorization token is not valid: {error}";
    }
}
