using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amqp;
using Ferry.Broker;

namespace Ferry.Http.Tests;

/// <summary>
/// The real server in process (in memory, free loopback ports) and an HttpClient on its HTTP port. The default options
/// bind to loopback, so the admin API is open (development mode by the loopback rule).
/// </summary>
public class AdminServer : IAsyncLifetime
{
    public const string KeyName = "RootManageSharedAccessKey";
    public const string Key = "SAS_KEY_VALUE";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static int s_counter;

    public FerryServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    protected virtual FerryServerOptions CreateOptions() => new() { InMemory = true, AmqpPort = 0, HttpPort = 0 };

    public virtual async Task InitializeAsync()
    {
        Server = await FerryServer.StartAsync(CreateOptions());
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Server.HttpPort}"), Timeout = Timeout };
    }

    public virtual async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>A queue name unique in the run, after the calling test.</summary>
    public static string UniqueName([CallerMemberName] string test = "") =>
        $"{new string([.. test.ToLowerInvariant().Where(char.IsLetterOrDigit).Take(40)])}-{Interlocked.Increment(ref s_counter)}";

    public async Task<QueueEntity> CreateQueueAsync(QueueSettings? settings = null, [CallerMemberName] string test = "") =>
        await Server.Broker.CreateQueueAsync(UniqueName(test), settings ?? new QueueSettings());

    /// <summary>SASL PLAIN with the default key: the whole connection is authorized.</summary>
    public Address AmqpAddress => new($"amqp://{KeyName}:{Key}@127.0.0.1:{Server.AmqpPort}");

    public static async Task<JsonNode> JsonAsync(HttpResponseMessage response, System.Net.HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<JsonNode> GetJsonAsync(string path, System.Net.HttpStatusCode expected = System.Net.HttpStatusCode.OK) =>
        await JsonAsync(await Http.GetAsync(path), expected);

    public async Task<JsonNode> PostJsonAsync(string path, string json, System.Net.HttpStatusCode expected) =>
        await JsonAsync(await Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json")), expected);

    public async Task<JsonNode> PutJsonAsync(string path, string json, System.Net.HttpStatusCode expected) =>
        await JsonAsync(await Http.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json")), expected);

    public async Task<JsonNode> DeleteJsonAsync(string path, System.Net.HttpStatusCode expected = System.Net.HttpStatusCode.OK) =>
        await JsonAsync(await Http.DeleteAsync(path), expected);

    /// <summary>A SAS token as the SDKs make it.</summary>
    public static string SasToken(string audience, DateTimeOffset expires, string keyName = KeyName, string key = Key)
    {
        var sr = Uri.EscapeDataString(audience);
        var se = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var sig = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(sr + "\n" + se)));
        return $"SharedAccessSignature sr={sr}&sig={Uri.EscapeDataString(sig)}&se={se}&skn={Uri.EscapeDataString(keyName)}";
    }

    public static JsonContent Json(object value) => JsonContent.Create(value);

    public static string Serialize(object value) => JsonSerializer.Serialize(value);
}
