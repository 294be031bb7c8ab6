using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amqp;
using Ferry.Broker;

namespace Ferry.Rest.Tests;

/// <summary>
/// The real server in process (in memory, free loopback ports, so open by the loopback rule) with an HttpClient on its
/// HTTP port, and a clock the tests can move forward and that tells when a long poll started waiting.
/// </summary>
public class RestServer : IAsyncLifetime
{
    public const string KeyName = "RootManageSharedAccessKey";
    public const string Key = "SAS_KEY_VALUE";
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(15);
    private static int s_counter;

    public FerryServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public TestClock Clock { get; } = new();

    protected virtual FerryServerOptions CreateOptions() => new() { InMemory = true, AmqpPort = 0, HttpPort = 0 };

    public async Task InitializeAsync()
    {
        Server = await FerryServer.StartAsync(CreateOptions(), timeProvider: Clock);
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Server.HttpPort}"), Timeout = WaitLimit };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    public static string UniqueName([CallerMemberName] string test = "") =>
        $"{new string([.. test.ToLowerInvariant().Where(char.IsLetterOrDigit).Take(40)])}-{Interlocked.Increment(ref s_counter)}";

    public async Task<QueueEntity> CreateQueueAsync(QueueSettings? settings = null, [CallerMemberName] string test = "") =>
        await Server.Broker.CreateQueueAsync(UniqueName(test), settings ?? new QueueSettings());

    /// <summary>SASL PLAIN with the default key.</summary>
    public Address AmqpAddress => new($"amqp://{KeyName}:{Key}@127.0.0.1:{Server.AmqpPort}");

    public Task<HttpResponseMessage> SendAsync(string entity, string body, string? brokerProperties = null, string contentType = "text/plain",
        IEnumerable<(string Name, string Value)>? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/{entity}/messages") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (brokerProperties is not null)
            request.Headers.TryAddWithoutValidation("BrokerProperties", brokerProperties);
        foreach (var (name, value) in headers ?? [])
            request.Headers.TryAddWithoutValidation(name, value);
        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> ReceiveAndDeleteAsync(string entity, int timeout = 5) =>
        Http.DeleteAsync($"/{entity}/messages/head?timeout={timeout}");

    public Task<HttpResponseMessage> PeekLockAsync(string entity, int timeout = 5) =>
        Http.PostAsync($"/{entity}/messages/head?timeout={timeout}", null);

    public static async Task Expect(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.Fail($"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        }
    }

    public static JsonObject BrokerProperties(HttpResponseMessage response) =>
        JsonNode.Parse(response.Headers.GetValues("BrokerProperties").Single())!.AsObject();

    public static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();

    public static string SasToken(string audience, DateTimeOffset expires, string keyName = KeyName, string key = Key)
    {
        var sr = Uri.EscapeDataString(audience);
        var se = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var sig = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(sr + "\n" + se)));
        return $"SharedAccessSignature sr={sr}&sig={Uri.EscapeDataString(sig)}&se={se}&skn={Uri.EscapeDataString(keyName)}";
    }
}

/// <summary>
/// The system clock, plus an offset the tests move forward (lock expiry), and a signal for each timer created with a
/// given due time: the REST API arms its long-poll timer just after registering the receiver, so a test that waits for a
/// timer of the poll's time-out knows the server is waiting for a delivery.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private readonly ConcurrentDictionary<TimeSpan, TaskCompletionSource> _timers = new();
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Completes when a timer due after <paramref name="dueTime"/> is created (use a due time no other code uses).</summary>
    public Task TimerCreated(TimeSpan dueTime) =>
        _timers.GetOrAdd(dueTime, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = System.CreateTimer(callback, state, dueTime, period);
        _timers.GetOrAdd(dueTime, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return timer;
    }
}
