using Amqp;
using Amqp.Framing;

namespace Ferry.Server.Tests;

/// <summary>
/// A server on the durable SQLite store that keeps no message body in memory: every delivery reads its body back from the
/// store's file.
/// </summary>
public sealed class NoBodyMemoryFixture : ServerFixture, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ferry-server-tests", Guid.NewGuid().ToString("N"));

    protected override FerryServerOptions CreateOptions()
    {
        var options = base.CreateOptions();
        options.InMemory = false;
        options.DataDirectory = _directory;
        options.MessageBodyMemoryMegabytes = 0;
        return options;
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}

public sealed class BodyFromStoreTests(NoBodyMemoryFixture fixture) : IClassFixture<NoBodyMemoryFixture>
{
    [Fact]
    public async Task EveryBodyReadFromTheStore_ArrivesIntact_InSendOrder()
    {
        var queue = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        try
        {
            var session = new Session(connection);
            var sender = new SenderLink(session, "sender", queue.Name);
            const int Count = 300;
            for (var i = 0; i < Count; i++)
            {
                var body = new byte[100 + (i * 37 % 3000)];
                Array.Fill(body, (byte)i);
                await sender.SendAsync(new Message { BodySection = new Data { Binary = body }, Properties = new Properties { MessageId = $"m{i}" } });
            }
            Assert.Equal(0, fixture.Server.Broker.MessageBodyMemoryBytes);

            // Credit for everything at once: the deliveries are read from the store while later ones are already due.
            var receiver = new ReceiverLink(session, "receiver", queue.Name);
            receiver.SetCredit(Count, CreditMode.Manual);
            for (var i = 0; i < Count; i++)
            {
                var message = await receiver.ReceiveAsync(ServerFixture.Timeout);
                Assert.NotNull(message);
                Assert.Equal($"m{i}", message.Properties.MessageId);
                var bytes = LiteHelpers.Bytes(message);
                Assert.Equal(100 + (i * 37 % 3000), bytes.Length);
                Assert.All(bytes, b => Assert.Equal((byte)i, b));
                receiver.Accept(message);
            }
        }
        finally
        {
            await connection.CloseAsync();
        }
    }
}
