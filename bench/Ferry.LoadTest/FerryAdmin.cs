using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Ferry.LoadTest;

/// <summary>
/// Creates and deletes Ferry entities over the Atom management API on the HTTP port, signed with a SAS token as the
/// administration clients sign — the same path for an in-process server and a separate Ferry.Host process.
/// </summary>
internal sealed class FerryAdmin : IDisposable
{
    private const string ApiVersion = "?api-version=2021-05";
    private readonly HttpClient _http;

    public FerryAdmin(string httpHostPort, string keyName, string key)
    {
        var baseAddress = $"http://{httpHostPort}/";
        _http = new HttpClient { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", SasToken(baseAddress, keyName, key, DateTimeOffset.UtcNow.AddDays(1)));
    }

    // Large limits so that a send-only run or 1 MB bodies never hit a quota; locks long enough never to expire in a run.
    private const string EntityLimits = "<MaxSizeInMegabytes>81920</MaxSizeInMegabytes><MaxMessageSizeInKilobytes>102400</MaxMessageSizeInKilobytes>";

    public Task CreateQueueAsync(string name, bool requiresSession) =>
        PutAsync(name, "QueueDescription",
            $"<LockDuration>PT5M</LockDuration>{EntityLimits}<RequiresSession>{(requiresSession ? "true" : "false")}</RequiresSession>");

    public Task CreateTopicAsync(string name) => PutAsync(name, "TopicDescription", EntityLimits);

    public Task CreateSubscriptionAsync(string topic, string name) =>
        PutAsync($"{topic}/Subscriptions/{name}", "SubscriptionDescription", "<LockDuration>PT5M</LockDuration>");

    /// <summary>Deletes a queue or topic (with its subscriptions); a missing one is not an error.</summary>
    public async Task DeleteAsync(string name)
    {
        using var response = await _http.DeleteAsync(name + ApiVersion);
    }

    private async Task PutAsync(string path, string description, string elements)
    {
        var body = $"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <entry xmlns="http://www.w3.org/2005/Atom"><content type="application/xml"><{description} xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">{elements}</{description}></content></entry>
            """;
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/atom+xml;type=entry;charset=utf-8");
        using var response = await _http.PutAsync(path + ApiVersion, content);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"creating '{path}' failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>HMAC-SHA256 over the url-encoded audience, a newline and the expiry, as the Service Bus SDKs sign.</summary>
    private static string SasToken(string audience, string keyName, string key, DateTimeOffset expires)
    {
        var sr = Uri.EscapeDataString(audience.ToLowerInvariant()).ToLowerInvariant();
        var se = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var sig = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(sr + "\n" + se)));
        return $"SharedAccessSignature sig={Uri.EscapeDataString(sig)}&se={se}&skn={keyName}&sr={sr}";
    }

    public void Dispose() => _http.Dispose();
}
