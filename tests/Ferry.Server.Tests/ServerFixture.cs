using System.Runtime.CompilerServices;
using Amqp;
using Ferry.Broker;

namespace Ferry.Server.Tests;

/// <summary>
/// The real server, in memory, on free loopback ports; one per test class. Tests create their own uniquely named
/// queues, so they never see each other's messages.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    public const string KeyName = "RootManageSharedAccessKey";
    public const string Key = "SAS_KEY_VALUE";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static int s_queueCounter;

    public FerryServer Server { get; private set; } = null!;

    internal LogCapture Logs { get; } = new();

    public int Port => Server.AmqpPort;

    /// <summary>SASL PLAIN with the configured key: the whole connection is authorized without CBS.</summary>
    public Address Address => new($"amqp://{KeyName}:{Key}@127.0.0.1:{Port}");

    protected virtual FerryServerOptions CreateOptions() => new() { InMemory = true, AmqpPort = 0, HttpPort = 0, Bind = "localhost" };

    public async Task InitializeAsync() => Server = await FerryServer.StartAsync(CreateOptions(), Logs);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>Creates a queue named after the calling test, unique within the run.</summary>
    public async Task<QueueEntity> CreateQueueAsync(QueueSettings? settings = null, [CallerMemberName] string test = "")
    {
        var name = $"{new string([.. test.ToLowerInvariant().Where(char.IsLetterOrDigit).Take(40)])}-{Interlocked.Increment(ref s_queueCounter)}";
        return await Server.Broker.CreateQueueAsync(name, settings ?? new QueueSettings());
    }

    public Task<Connection> ConnectAsync() => Connection.Factory.CreateAsync(Address);

    /// <summary>A normal client on a fresh connection sends a message to a fresh queue and receives it back.</summary>
    public async Task AssertServerServesAsync()
    {
        var queue = await CreateQueueAsync();
        var connection = await ConnectAsync();
        try
        {
            var session = new Session(connection);
            var sender = new SenderLink(session, "health-sender", queue.Name);
            await sender.SendAsync(new Message("still alive") { Properties = new() { MessageId = "health" } });
            var receiver = new ReceiverLink(session, "health-receiver", queue.Name);
            var message = await receiver.ReceiveAsync(Timeout);
            Assert.NotNull(message);
            Assert.Equal("still alive", message.Body);
            receiver.Accept(message);
        }
        finally
        {
            await connection.CloseAsync();
        }
    }
}
