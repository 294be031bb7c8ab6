using BenchmarkDotNet.Attributes;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Benchmarks;

/// <summary>
/// Broker dispatch without the wire, on the in-memory store: send → deliver to a peek-lock receiver → complete.
/// One invocation sends 100 single-message sends, waits for the 100 deliveries and completes each; reported per message.
/// </summary>
[MemoryDiagnoser]
public class BrokerBenchmarks
{
    private const int PerInvoke = 100;
    private FerryBroker _broker = null!;
    private QueueEntity _queue = null!;
    private Receiver _receiver = null!;
    private readonly CollectingSink _sink = new();
    private readonly IncomingMessage[][] _messages = new IncomingMessage[PerInvoke][];

    [GlobalSetup]
    public async Task Setup()
    {
        _broker = await FerryBroker.OpenAsync(new InMemoryMessageStore(), TimeProvider.System);
        _queue = await _broker.CreateQueueAsync("bench", new QueueSettings { MaxSizeInMegabytes = 80 * 1024, LockDuration = TimeSpan.FromMinutes(5) });
        _receiver = _queue.CreateReceiver(SubQueue.Main, ReceiveMode.PeekLock, _sink);
        var body = TypicalMessage.Encode();
        for (var i = 0; i < PerInvoke; i++)
            _messages[i] = [new IncomingMessage { Body = body, MessageId = Guid.NewGuid().ToString("N") }];
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _receiver.Dispose();
        await _broker.DisposeAsync();
    }

    [Benchmark(OperationsPerInvoke = PerInvoke)]
    public async Task SendDeliverComplete()
    {
        _receiver.AddCredit(PerInvoke);
        for (var i = 0; i < PerInvoke; i++)
            await _queue.SendAsync(_messages[i]);
        for (var i = 0; i < PerInvoke; i++)
        {
            await _sink.Delivered.WaitAsync();
            _sink.Tokens.TryDequeue(out var token);
            await _queue.CompleteAsync(token);
        }
    }

    /// <summary>Keeps lock tokens; the broker calls it under the entity's lock, so it only enqueues and signals.</summary>
    private sealed class CollectingSink : IDeliverySink
    {
        public System.Collections.Concurrent.ConcurrentQueue<Guid> Tokens { get; } = new();

        public SemaphoreSlim Delivered { get; } = new(0);

        public void OnDelivery(Receiver receiver, BrokerMessage message)
        {
            Tokens.Enqueue(message.LockToken);
            Delivered.Release();
        }

        public void OnClosed(Receiver receiver, BrokerException reason)
        {
        }
    }
}
