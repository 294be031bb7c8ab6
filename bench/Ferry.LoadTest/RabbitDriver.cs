using System.Buffers.Binary;
using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Ferry.LoadTest;

/// <summary>
/// The same load against RabbitMQ: a classic durable queue, persistent messages, publisher confirms (a window of
/// outstanding publishes per producer channel), consumers with manual acks and a prefetch equal to the credit.
/// </summary>
internal static class RabbitDriver
{
    public static async Task RunAsync(LoadOptions o, string host, int port, Stats stats, CancellationToken stop)
    {
        var factory = new ConnectionFactory { HostName = host, Port = port, UserName = "guest", Password = "guest" };
        await using var admin = await factory.CreateConnectionAsync();
        await using (var channel = await admin.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(o.Queue, durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "classic" });
            await channel.QueuePurgeAsync(o.Queue);
        }

        var connections = new List<IConnection>();
        for (var c = 0; c < o.Consumers; c++)
        {
            var connection = await factory.CreateConnectionAsync();
            connections.Add(connection);
            var channel = await connection.CreateChannelAsync();
            await channel.BasicQosAsync(0, (ushort)Math.Min(o.Credit, ushort.MaxValue), false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                stats.Received(BinaryPrimitives.ReadInt64LittleEndian(delivery.Body.Span));
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            };
            await channel.BasicConsumeAsync(o.Queue, autoAck: false, consumer);
        }

        var ratePerProducer = o.Rate > 0 ? (double)o.Rate / o.Producers : 0;
        var tasks = new List<Task>();
        for (var p = 0; p < o.Producers; p++)
        {
            var connection = await factory.CreateConnectionAsync();
            connections.Add(connection);
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
                publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
            tasks.Add(Task.Run(() => ProduceAsync(channel, o, ratePerProducer, stats, stop)));
        }
        await Task.WhenAll(tasks);
        foreach (var connection in connections)
            await connection.CloseAsync();
    }

    private static async Task ProduceAsync(IChannel channel, LoadOptions o, double rate, Stats stats, CancellationToken stop)
    {
        var properties = new BasicProperties { Persistent = true };
        var template = new byte[o.Size];
        Random.Shared.NextBytes(template);
        var pacer = new Pacer(rate);
        using var window = new SemaphoreSlim(o.Window);
        var inFlight = new List<Task>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await pacer.WaitAsync(stop);
                await window.WaitAsync(stop);
                var body = (byte[])template.Clone();
                BinaryPrimitives.WriteInt64LittleEndian(body, Stopwatch.GetTimestamp());
                inFlight.Add(PublishAsync(channel, o.Queue, properties, body, window, stats));
                if (inFlight.Count > 4 * o.Window)
                    inFlight.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(inFlight);
    }

    // With confirmation tracking, the publish task completes when the broker confirms (or nacks) the message.
    private static async Task PublishAsync(IChannel channel, string queue, BasicProperties properties, byte[] body, SemaphoreSlim window, Stats stats)
    {
        try
        {
            await channel.BasicPublishAsync(string.Empty, queue, mandatory: false, properties, body);
            stats.Sent();
        }
        catch (PublishException)
        {
        }
        finally
        {
            window.Release();
        }
    }
}
