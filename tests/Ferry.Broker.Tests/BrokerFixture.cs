using System.Text;
using Ferry.Broker;
using Ferry.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Broker.Tests;

/// <summary>A broker over a real SQLite store in a temporary directory, on a fake clock; reopenable to test recovery.</summary>
internal sealed class BrokerFixture : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ferry-broker-tests", Guid.NewGuid().ToString("N"));

    private BrokerFixture() => Directory.CreateDirectory(_directory);

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public FerryBroker Broker { get; private set; } = null!;

    public IMessageStore Store { get; private set; } = null!;

    private BrokerOptions? _options;

    public static async Task<BrokerFixture> StartAsync(BrokerOptions? options = null)
    {
        var fixture = new BrokerFixture { _options = options };
        await fixture.OpenAsync();
        return fixture;
    }

    private async Task OpenAsync()
    {
        Store = SqliteMessageStore.Open(_directory);
        Broker = await FerryBroker.OpenAsync(Store, Time, _options);
    }

    /// <summary>Closes the broker and the store as a clean shutdown would, then opens both again from disk.</summary>
    public async Task RestartAsync()
    {
        await Broker.DisposeAsync();
        await Store.DisposeAsync();
        await OpenAsync();
    }

    public Task<QueueEntity> CreateQueueAsync(string name, QueueSettings? settings = null) =>
        Broker.CreateQueueAsync(name, settings ?? new QueueSettings());

    public static IncomingMessage Message(string body, string? messageId = null, TimeSpan? ttl = null, DateTimeOffset? scheduled = null,
        string? sessionId = null) => new()
    {
        Body = Encoding.UTF8.GetBytes(body),
        MessageId = messageId,
        TimeToLive = ttl,
        ScheduledEnqueueTime = scheduled,
        SessionId = sessionId,
    };

    public static string Text(BrokerMessage message) => Encoding.UTF8.GetString(message.Body.Span);

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
