using System.Security.Cryptography;
using System.Text;

namespace Ferry.Server.Amqp;

/// <summary>
/// Validates Service Bus SAS tokens: <c>SharedAccessSignature sr=&lt;url-encoded audience&gt;&amp;sig=&lt;url-encoded
/// base64 HMAC-SHA256&gt;&amp;se=&lt;unix seconds&gt;&amp;skn=&lt;key name&gt;</c>, where the HMAC key is the UTF-8 bytes of the
/// key string and the signed text is <c>sr + "\n" + se</c>.
/// </summary>
internal sealed class SasTokenValidator
{
    private readonly IReadOnlyList<SharedAccessKey> _keys;
    private readonly TimeProvider _time;

    public SasTokenValidator(IReadOnlyList<SharedAccessKey> keys, TimeProvider time)
    {
        _keys = keys;
        _time = time;
    }

    /// <summary>True when a key of that name exists and <paramref name="key"/> is its value (SASL PLAIN).</summary>
    public bool IsValidKey(string name, string key)
    {
        foreach (var candidate in _keys)
        {
            if (candidate.Name == name && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate.Key), Encoding.UTF8.GetBytes(key)))
                return true;
        }
        return false;
    }

    /// <summary>Checks a token; on success returns its audience (decoded) and expiry, else why it failed.</summary>
    public bool TryValidate(string token, out string audience, out DateTimeOffset expires, out string error)
    {
        audience = string.Empty;
        expires = default;
        const string Prefix = "SharedAccessSignature ";
        if (!token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = "The token is not a SharedAccessSignature.";
            return false;
        }
        string? sr = null, sig = null, se = null, skn = null;
        foreach (var part in token[Prefix.Length..].Split('&'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                continue;
            var value = part[(eq + 1)..];
            switch (part[..eq])
            {
                case "sr": sr = value; break;
                case "sig": sig = value; break;
                case "se": se = value; break;
                case "skn": skn = value; break;
            }
        }
        if (sr is null || sig is null || se is null || skn is null)
        {
            error = "The token lacks one of sr, sig, se, skn.";
            return false;
        }
        if (!long.TryParse(se, out var expirySeconds))
        {
            error = $"The token's expiry '{se}' is not a number.";
            return false;
        }
        expires = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(expirySeconds, 0, 253402300799));
        if (expires <= _time.GetUtcNow())
        {
            error = $"The token expired at {expires:O}.";
            return false;
        }
        var keyName = Uri.UnescapeDataString(skn);
        SharedAccessKey? key = null;
        foreach (var candidate in _keys)
        {
            if (candidate.Name == keyName)
                key = candidate;
        }
        if (key is null)
        {
            error = $"The key name '{keyName}' is not known.";
            return false;
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key.Key), Encoding.UTF8.GetBytes(sr + "\n" + se));
        byte[] actual;
        try
        {
            actual = Convert.FromBase64String(Uri.UnescapeDataString(sig));
        }
        catch (FormatException)
        {
            error = "The token's signature is not base64.";
            return false;
        }
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            error = $"The token's signature does not match the key '{keyName}'.";
            return false;
        }
        audience = Uri.UnescapeDataString(sr);
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// The entity path an audience names: <c>sb://host[:port]/a/b</c> → <c>a/b</c>; a namespace-wide audience gives "".
    /// </summary>
    public static string AudiencePath(string audience)
    {
        var path = audience;
        var scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            path = path[(scheme + 3)..];
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            path = slash < 0 ? string.Empty : path[(slash + 1)..];
        }
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
            path = path[..query];
        return path.Trim('/');
    }
}
