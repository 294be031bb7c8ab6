using Amqp;
using Ferry.Broker;

namespace Ferry.Server.Tests;

/// <summary>Runs alone: it measures the process's managed memory, which other tests running alongside would disturb.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

[Collection(nameof(MemoryMeasurement))]
public sealed class SlowReaderTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    // Fails today, kept as the specification of the fix: the broker pumps a receiver's whole credit into the connection's
    // pending output in one go (EntityReceiverLink.OnDelivery under the entity lock), so a peer granting credit N and never
    // reading makes the server buffer N messages (64 MB here) and keeps them locked from every other consumer. The read
    // loop's high-water mark only stops reading; it does not stop deliveries.
    [Fact]
    public async Task PeerThatNeverReads_CreditForManyBigMessages_ServerMemoryBoundedAndOthersServed()
    {
        const int Count = 64;
        const int Size = 1024 * 1024;
        var queue = await fixture.CreateQueueAsync(new QueueSettings { MaxMessageSizeInKilobytes = 2048 });
        var body = new byte[Size];
        new Random(7).NextBytes(body);
        var messages = new List<IncomingMessage>();
        for (var i = 0; i < Count; i++)
            messages.Add(new IncomingMessage { Body = Encode(body, $"big-{i}"), MessageId = $"big-{i}" });
        await queue.SendAsync(messages);
        messages.Clear();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);

        // The hostile peer: credit for every message, then it never reads another byte.
        var (stuck, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port, maxFrameSize: 64 * 1024);
        await stuck.BeginAsync();
        await stuck.AttachReceiverAsync(0, 0, queue.Name);
        await stuck.FlowAsync(0, 0, deliveryCount: 0, credit: Count);

        // Another client on the same queue gets what the stuck peer could not take. Once it has them all, the stuck
        // peer's share is fixed, and so is what the server holds for it.
        var connection = await fixture.ConnectAsync();
        var receiver = new ReceiverLink(new Session(connection), "other", queue.Name);
        receiver.SetCredit(Count, CreditMode.Manual);
        var received = 0;
        while (await receiver.ReceiveAsync(TimeSpan.FromSeconds(3)) is { } message)
        {
            receiver.Accept(message);
            message.Dispose();
            received++;
        }
        await connection.CloseAsync();
        var grown = GC.GetTotalMemory(forceFullCollection: true) - baseline;

        // The stuck peer holds at most what fits under the output high-water mark (4 MB) plus socket buffers.
        Assert.True(received >= Count / 2, $"The other client received {received} of {Count}; the stuck peer took the rest.");
        Assert.True(grown < 24L * 1024 * 1024, $"Managed memory grew by {grown / (1024 * 1024)} MB for a peer that does not read.");
        await stuck.DisposeAsync();
        await fixture.AssertServerServesAsync();
    }

    private static byte[] Encode(byte[] body, string messageId)
    {
        var writer = new Ferry.Amqp.AmqpWriter(body.Length + 64);
        try
        {
            new Ferry.Amqp.Properties { MessageId = messageId }.Encode(ref writer);
            writer.WriteDescriptor(Ferry.Amqp.Descriptor.Data);
            writer.WriteValue(body);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }
}
