using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Ferry.LoadTest;

/// <summary>
/// The same load against RabbitMQ over AMQP 0.9.1: classic durable queues, persistent messages (both off with
/// --transient), publisher confirms with a window of outstanding publishes per sender channel, consumers with manual
/// acks and basic.qos prefetch. Fan-out is a fanout exchange bound to one queue per subscription; RabbitMQ has no
/// sessions, so the sessions scenario uses one queue per session id with one consumer each (per-session order, no locks).
/// </summary>
internal sealed class RabbitDriver(string host, int port, string user, string password, bool stockTransport) : ILoadDriver
{
    private readonly ConnectionFactory _factory = Factory(host, port, user, password, stockTransport);
    private readonly List<IConnection> _receiverConnections = [];
    private readonly List<string> _queues = [];
    private string _exchange = "";
    private string[] _routingKeys = [];

    public string Description => stockTransport ? $"RabbitMQ at {host}:{port}, RabbitMQ.Client's own socket layer" : $"RabbitMQ at {host}:{port}";

    private static ConnectionFactory Factory(string host, int port, string user, string password, bool stockTransport)
    {
        var factory = new ConnectionFactory { HostName = host, Port = port, UserName = user, Password = password };
        if (!stockTransport)
            factory.SocketFactory = static family => new BatchingRabbitSocket(family);
        return factory;
    }

    public async Task SetupAsync(RunSettings s)
    {
        var name = $"load-{s.Scenario.Name}-{Guid.NewGuid().ToString("N")[..8]}";
        _queues.Clear();
        _exchange = "";
        await using var connection = await _factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = "classic" };
        switch (s.Scenario.Kind)
        {
            case ScenarioKind.FanOut:
                _exchange = name;
                await channel.ExchangeDeclareAsync(_exchange, ExchangeType.Fanout, durable: s.Durable, autoDelete: false);
                for (var i = 0; i < s.Subscriptions; i++)
                {
                    var queue = $"{name}-s{i}";
                    await channel.QueueDeclareAsync(queue, durable: s.Durable, exclusive: false, autoDelete: false, arguments);
                    await channel.QueueBindAsync(queue, _exchange, routingKey: "");
                    _queues.Add(queue);
                }
                _routingKeys = [""];
                break;
            case ScenarioKind.Sessions:
                for (var i = 0; i < s.Sessions; i++)
                {
                    var queue = string.Create(CultureInfo.InvariantCulture, $"{name}-session-{i}");
                    await channel.QueueDeclareAsync(queue, durable: s.Durable, exclusive: false, autoDelete: false, arguments);
                    _queues.Add(queue);
                }
                _routingKeys = [.. _queues];
                break;
            default:
                await channel.QueueDeclareAsync(name, durable: s.Durable, exclusive: false, autoDelete: false, arguments);
                _queues.Add(name);
                _routingKeys = [name];
                break;
        }
    }

    public async Task StartReceiversAsync(RunSettings s, Stats stats)
    {
        // One consumer per receiver on a single queue; one consumer per queue when there are several.
        var consumers = _queues.Count == 1 ? s.Receivers : _queues.Count;
        var connections = Math.Max(1, Math.Min(s.Receivers, consumers));
        for (var c = 0; c < connections; c++)
            _receiverConnections.Add(await _factory.CreateConnectionAsync());
        for (var i = 0; i < consumers; i++)
        {
            var channel = await _receiverConnections[i % connections].CreateChannelAsync();
            await channel.BasicQosAsync(0, (ushort)Math.Min(s.Prefetch, ushort.MaxValue), false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                stats.Received(MessageBody.SentAt(delivery.Body.Span));
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            };
            await channel.BasicConsumeAsync(_queues[i % _queues.Count], autoAck: false, consumer);
        }
    }

    public async Task SendAsync(RunSettings s, SendBudget budget, Stats stats, CancellationToken stop)
    {
        var rate = s.Rate > 0 ? (double)s.Rate / s.Senders : 0;
        var connections = new List<IConnection>();
        var tasks = new List<Task>();
        for (var p = 0; p < s.Senders; p++)
        {
            var connection = await _factory.CreateConnectionAsync();
            connections.Add(connection);
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
                publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
            var first = p;
            tasks.Add(Task.Run(() => ProduceAsync(channel, s, first, rate, budget, stats, stop)));
        }
        await Task.WhenAll(tasks);
        foreach (var connection in connections)
            await connection.CloseAsync();
    }

    private async Task ProduceAsync(IChannel channel, RunSettings s, int first, double rate, SendBudget budget, Stats stats, CancellationToken stop)
    {
        var body = new MessageBody(s.Size);
        var pacer = new Pacer(rate / s.Batch);
        using var window = new SemaphoreSlim(s.Window);
        var inFlight = new List<Task>();
        long sequence = 0;
        var key = first;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var n = budget.Take(s.Batch);
                if (n == 0)
                    break;
                await pacer.WaitAsync(stop);
                await window.WaitAsync(stop);
                var routingKey = _routingKeys[key++ % _routingKeys.Length];
                var publishes = new Task[n];
                for (var i = 0; i < n; i++)
                {
                    var properties = new BasicProperties
                    {
                        Persistent = s.Durable,
                        MessageId = string.Create(CultureInfo.InvariantCulture, $"{first}-{sequence++}"),
                    };
                    publishes[i] = channel.BasicPublishAsync(_exchange, routingKey, mandatory: false, properties, body.Stamped()).AsTask();
                }
                inFlight.Add(ConfirmAsync(publishes, window, stats));
                if (inFlight.Count > 4 * s.Window)
                    inFlight.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(inFlight);
    }

    // With confirmation tracking, each publish task completes when the broker confirms (or nacks) its message.
    private static async Task ConfirmAsync(Task[] publishes, SemaphoreSlim window, Stats stats)
    {
        foreach (var publish in publishes)
        {
            try
            {
                await publish;
                stats.Sent(1);
            }
            catch (PublishException)
            {
                stats.Failed(1);
            }
        }
        window.Release();
    }

    public async Task TeardownAsync()
    {
        foreach (var connection in _receiverConnections)
            await connection.CloseAsync();
        _receiverConnections.Clear();
        await using var connection2 = await _factory.CreateConnectionAsync();
        await using var channel = await connection2.CreateChannelAsync();
        foreach (var queue in _queues)
            await channel.QueueDeleteAsync(queue);
        if (_exchange.Length > 0)
            await channel.ExchangeDeleteAsync(_exchange);
    }
}
