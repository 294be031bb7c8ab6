using System.Buffers.Binary;
using System.Diagnostics;
using Amqp;
using Amqp.Framing;

namespace Ferry.LoadTest;

/// <summary>
/// AMQPNetLite against Ferry: P connections with one sender link each (unsettled sends, a window of outstanding ones),
/// C connections with one peek-lock receiver each (credit, accept on receipt). The body starts with the send timestamp.
/// </summary>
/// <remarks>A link accept is settled by the client at once (AMQPNetLite has no receiver-settle-mode second), so the
/// consumer does not wait for the broker's durable completion; the broker still writes every completion durably.</remarks>
internal static class FerryDriver
{
    public static async Task RunAsync(LoadOptions o, string address, Stats stats, CancellationToken stop)
    {
        var tasks = new List<Task>();
        var connections = new List<Connection>();
        for (var c = 0; c < o.Consumers; c++)
        {
            var connection = await Connection.Factory.CreateAsync(new Address(address));
            connections.Add(connection);
            var receiver = new ReceiverLink(new Session(connection), $"consumer-{c}", o.Queue);
            receiver.Start(o.Credit, (link, message) =>
            {
                var body = (byte[])message.Body;
                stats.Received(BinaryPrimitives.ReadInt64LittleEndian(body));
                link.Accept(message);
            });
        }
        var ratePerProducer = o.Rate > 0 ? (double)o.Rate / o.Producers : 0;
        for (var p = 0; p < o.Producers; p++)
        {
            var connection = await Connection.Factory.CreateAsync(new Address(address));
            connections.Add(connection);
            var sender = new SenderLink(new Session(connection), $"producer-{p}", o.Queue);
            tasks.Add(Task.Run(() => ProduceAsync(sender, o, ratePerProducer, stats, stop)));
        }
        await Task.WhenAll(tasks);
        foreach (var connection in connections)
            await connection.CloseAsync();
    }

    private static async Task ProduceAsync(SenderLink sender, LoadOptions o, double rate, Stats stats, CancellationToken stop)
    {
        using var window = new SemaphoreSlim(o.Window);
        var pacer = new Pacer(rate);
        var template = new byte[o.Size];
        Random.Shared.NextBytes(template);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await pacer.WaitAsync(stop);
                await window.WaitAsync(stop);
                var body = (byte[])template.Clone();
                BinaryPrimitives.WriteInt64LittleEndian(body, Stopwatch.GetTimestamp());
                var message = new Message { BodySection = new Data { Binary = body } };
                sender.Send(message, static (link, msg, outcome, state) =>
                {
                    var (w, s) = ((SemaphoreSlim, Stats))state!;
                    if (outcome is Accepted)
                        s.Sent();
                    w.Release();
                }, (window, stats));
            }
        }
        catch (OperationCanceledException)
        {
        }
        // Let the outstanding sends settle before the connection closes.
        for (var i = 0; i < o.Window; i++)
            await window.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
