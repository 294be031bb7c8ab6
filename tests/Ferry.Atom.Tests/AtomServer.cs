using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Amqp;

namespace Ferry.Atom.Tests;

/// <summary>
/// The real server in process (in memory, free loopback ports, HTTPS on a free port with the development certificate)
/// and an HttpClient on its HTTP port that signs every request with a SAS token, as the administration clients do.
/// </summary>
public class AtomServer : IAsyncLifetime
{
    public const string KeyName = "RootManageSharedAccessKey";
    public const string Key = "SAS_KEY_VALUE";
    public const string ApiVersion = "?api-version=2021-05";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static int s_counter;

    public FerryServer Server { get; private set; } = null!;

    /// <summary>Signed requests to the HTTP port (relative URIs).</summary>
    public HttpClient Http { get; private set; } = null!;

    protected virtual FerryServerOptions CreateOptions() =>
        new() { InMemory = true, AmqpPort = 0, HttpPort = 0, AmqpsPort = -1, HttpsPort = 0 };

    public virtual async Task InitializeAsync()
    {
        Server = await FerryServer.StartAsync(CreateOptions());
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Server.HttpPort}"), Timeout = Timeout };
        Http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", SasToken($"http://127.0.0.1:{Server.HttpPort}/", DateTimeOffset.UtcNow.AddHours(1)));
    }

    public virtual async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>An entity name unique in the run, after the calling test.</summary>
    public static string UniqueName([CallerMemberName] string test = "") =>
        $"{new string([.. test.ToLowerInvariant().Where(char.IsLetterOrDigit).Take(40)])}-{Interlocked.Increment(ref s_counter)}";

    /// <summary>SASL PLAIN with the default key: the whole connection is authorized without CBS.</summary>
    public Address AmqpAddress => new($"amqp://{KeyName}:{Key}@127.0.0.1:{Server.AmqpPort}");

    /// <summary>A SAS token as the SDKs make it: HMAC-SHA256 over the url-encoded audience, a newline and the expiry.</summary>
    public static string SasToken(string audience, DateTimeOffset expires, string keyName = KeyName, string key = Key)
    {
        var sr = Uri.EscapeDataString(audience.ToLowerInvariant()).ToLowerInvariant();
        var se = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var sig = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(sr + "\n" + se)));
        return $"SharedAccessSignature sig={Uri.EscapeDataString(sig)}&se={se}&skn={keyName}&sr={sr}";
    }

    /// <summary>The request body the administration clients send: an Atom entry around a description.</summary>
    public static string Entry(string description, string elements) => $"""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <entry xmlns="http://www.w3.org/2005/Atom"><updated>2024-01-01T00:00:00.000Z</updated><content type="application/xml"><{description} xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">{elements}</{description}></content></entry>
        """;

    public static StringContent AtomContent(string body)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/atom+xml;type=entry;charset=utf-8");
        return content;
    }

    public async Task<HttpResponseMessage> PutAsync(string path, string body, bool update = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path + ApiVersion) { Content = AtomContent(body) };
        if (update)
            request.Headers.TryAddWithoutValidation("If-Match", "*");
        return await Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => Http.GetAsync(path.Contains('?', StringComparison.Ordinal) ? path : path + ApiVersion);

    public Task<HttpResponseMessage> DeleteAsync(string path) => Http.DeleteAsync(path + ApiVersion);

    /// <summary>Asserts the status and parses the body as XML.</summary>
    public static async Task<XElement> XmlAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return XElement.Parse(text);
    }

    /// <summary>Asserts an error answer: the status and an &lt;Error&gt; body whose Detail contains <paramref name="detail"/>.</summary>
    public static async Task<string> ErrorAsync(HttpResponseMessage response, HttpStatusCode expected, string detail)
    {
        var error = await XmlAsync(response, expected);
        Assert.Equal("Error", error.Name.LocalName);
        Assert.Equal(((int)expected).ToString(CultureInfo.InvariantCulture), error.Element("Code")?.Value);
        var text = error.Element("Detail")?.Value ?? "";
        Assert.Contains(detail, text, StringComparison.Ordinal);
        return text;
    }
}
