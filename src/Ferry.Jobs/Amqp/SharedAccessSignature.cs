using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ferry.Jobs;

/// <summary>SAS tokens as the Service Bus SDKs make them for CBS put-token.</summary>
public static class SharedAccessSignature
{
    /// <summary>
    /// <c>SharedAccessSignature sr=&lt;url-encoded audience&gt;&amp;sig=&lt;url-encoded base64 HMAC-SHA256&gt;&amp;se=&lt;unix seconds&gt;&amp;skn=&lt;key name&gt;</c>,
    /// signed over the url-encoded audience, a newline and the expiry, with the UTF-8 bytes of the key.
    /// </summary>
    public static string Create(string audience, string keyName, string key, DateTimeOffset expires)
    {
        ArgumentNullException.ThrowIfNull(audience);
        ArgumentNullException.ThrowIfNull(keyName);
        ArgumentNullException.ThrowIfNull(key);
        var sr = Uri.EscapeDataString(audience);
        var se = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var sig = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(sr + "\n" + se)));
        return $"SharedAccessSignature sr={sr}&sig={Uri.EscapeDataString(sig)}&se={se}&skn={Uri.EscapeDataString(keyName)}";
    }
}
