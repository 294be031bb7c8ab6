using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Ferry.Storage;

namespace Ferry.Broker.Bench;

/// <summary>
/// Durable throughput through the broker API (no wire): sends (single and batches of 100), settles (peek-lock
/// receive + complete), and send → receive → complete end to end, on one store.
/// </summary>
internal static class BrokerBench
{
    public sealed record Row(string Store, string Scenario, long Messages, double Seconds, Latencies Latency, string LatencyOf)
    {
        public double Rate => Messages / Seconds;
    }

    public static async Task<List<Row>> RunAsync(string storeName, Func<IMessageStore> openStore, double seconds, int senders, int bodySize)
    {
        var rows = new List<Row>();
        await using var store = openStore();
        await using var broker = await FerryBroker.OpenAsync(store, TimeProvider.System);
        var queue = await broker.CreateQueueAsync("bench", new QueueSettings { MaxSizeInMegabytes = 80 * 1024, LockDuration = TimeSpan.FromMinutes(5) });
        var body = new byte[bodySize];
        Random.Shared.NextBytes(body);

        rows.Add(await SendAsync(storeName, queue, body, seconds, senders, batch: 1));
        rows.Add(await SendAsync(storeName, queue, body, seconds, senders, batch: 100));
        rows.Add(await SettleAsync(storeName, queue, seconds, completers: senders));
        await DrainAsync(queue);
        rows.Add(await EndToEndAsync(storeName, queue, body, seconds, senders));
        return rows;
    }

    private static async Task<Row> SendAsync(string storeName, QueueEntity queue, byte[] body, double seconds, int senders, int batch)
    {
        var latency = new Latencies();
        long sent = 0;
        var messages = new IncomingMessage[batch];
        for (var i = 0; i < batch; i++)
            messages[i] = new IncomingMessage { Body = body };
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        var tasks = new Task[senders];
        for (var s = 0; s < senders; s++)
        {
            tasks[s] = Task.Run(async () =>
            {
                while (clock.Elapsed < until)
                {
                    var start = Stopwatch.GetTimestamp();
                    await queue.SendAsync(messages);
                    latency.Add(Stopwatch.GetTimestamp() - start);
                    Interlocked.Add(ref sent, batch);
                }
            });
        }
        await Task.WhenAll(tasks);
        return new Row(storeName, batch == 1 ? $"send x{senders}" : $"send batch {batch} x{senders}", sent, clock.Elapsed.TotalSeconds, latency,
            batch == 1 ? "send" : "batch");
    }

    /// <summary>Peek-lock receive with credit, complete each (up to <paramref name="completers"/> completions outstanding).</summary>
    private static async Task<Row> SettleAsync(string storeName, QueueEntity queue, double seconds, int completers)
    {
        var latency = new Latencies();
        var sink = new ChannelSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        const int Credit = 1000;
        receiver.AddCredit(Credit);
        long completed = 0;
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        var tasks = new Task[completers];
        for (var c = 0; c < completers; c++)
        {
            tasks[c] = Task.Run(async () =>
            {
                while (clock.Elapsed < until && await sink.Reader.WaitToReadAsync())
                {
                    if (!sink.Reader.TryRead(out var item))
                        continue;
                    var start = Stopwatch.GetTimestamp();
                    await queue.CompleteAsync(item.Message.LockToken);
                    latency.Add(Stopwatch.GetTimestamp() - start);
                    if (Interlocked.Increment(ref completed) % 100 == 0)
                        receiver.AddCredit(100);
                }
            });
        }
        await Task.WhenAll(tasks);
        return new Row(storeName, $"complete x{completers}", completed, clock.Elapsed.TotalSeconds, latency, "complete");
    }

    /// <summary>Empties the queue quickly (receive-and-delete) so the end-to-end run starts from zero.</summary>
    private static async Task DrainAsync(QueueEntity queue)
    {
        var sink = new ChannelSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.ReceiveAndDelete, sink);
        receiver.AddCredit(int.MaxValue / 2);
        receiver.Drain();
        // Receive-and-delete removals are written behind; an empty batch is a barrier after them.
        await queue.SendAsync([]);
        while (sink.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>Senders and one peek-lock receiver at once; latency = send start → delivery to the receiver.</summary>
    private static async Task<Row> EndToEndAsync(string storeName, QueueEntity queue, byte[] template, double seconds, int senders)
    {
        var latency = new Latencies();
        var sink = new ChannelSink();
        using var receiver = queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, sink);
        receiver.AddCredit(1000);
        long completed = 0;
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        var sendTasks = new Task[senders];
        for (var s = 0; s < senders; s++)
        {
            sendTasks[s] = Task.Run(async () =>
            {
                while (clock.Elapsed < until)
                {
                    var body = (byte[])template.Clone();
                    BitConverter.TryWriteBytes(body, Stopwatch.GetTimestamp());
                    await queue.SendAsync([new IncomingMessage { Body = body }]);
                }
            });
        }
        var completeTasks = new Task[senders];
        for (var c = 0; c < senders; c++)
        {
            completeTasks[c] = Task.Run(async () =>
            {
                while (clock.Elapsed < until && await sink.Reader.WaitToReadAsync())
                {
                    if (!sink.Reader.TryRead(out var item))
                        continue;
                    latency.Add(item.ReceivedAt - BitConverter.ToInt64(item.Message.Body.Span));
                    await queue.CompleteAsync(item.Message.LockToken);
                    if (Interlocked.Increment(ref completed) % 100 == 0)
                        receiver.AddCredit(100);
                }
            });
        }
        await Task.WhenAll(sendTasks);
        await Task.WhenAll(completeTasks);
        return new Row(storeName, $"send→receive→complete x{senders}", completed, clock.Elapsed.TotalSeconds, latency, "send→receive");
    }

    /// <summary>The broker calls the sink under the entity's lock: hand each delivery to a channel and return.</summary>
    private sealed class ChannelSink : IDeliverySink
    {
        private readonly Channel<(BrokerMessage Message, long ReceivedAt)> _channel =
            Channel.CreateUnbounded<(BrokerMessage, long)>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });

        public ChannelReader<(BrokerMessage Message, long ReceivedAt)> Reader => _channel.Reader;

        public void OnDelivery(Receiver receiver, BrokerMessage message) => _channel.Writer.TryWrite((message, Stopwatch.GetTimestamp()));

        public void OnClosed(Receiver receiver, BrokerException reason) => _channel.Writer.TryComplete();
    }

    public static void Print(IEnumerable<Row> rows)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"store",-8} {"scenario",-32} {"messages",10} {"msg/s",10} {"p50 ms",8} {"p99 ms",8}  latency of"));
        foreach (var row in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Store,-8} {row.Scenario,-32} {row.Messages,10} {row.Rate,10:0} {row.Latency.PercentileMs(50),8:0.00} {row.Latency.PercentileMs(99),8:0.00}  {row.LatencyOf}"));
        }
    }
}
