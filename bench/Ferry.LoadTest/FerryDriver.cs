using System.Globalization;
using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Ferry.LoadTest;

/// <summary>
/// AMQPNetLite against Ferry. Senders: one connection and sender link each, unsettled sends with a window of
/// outstanding ones (a send counts when the broker's accepted disposition arrives). Receivers: peek-lock links with
/// credit = prefetch, accepting each message on receipt. Entities are created over the Atom API.
/// </summary>
/// <remarks>A link accept is settled by the client at once (AMQPNetLite has no receiver-settle-mode second), so the
/// receiver does not wait for the broker's durable completion; the broker still writes every completion durably.</remarks>
internal sealed class FerryDriver(string amqpAddress, FerryAdmin admin, string description, bool stockTransport) : ILoadDriver
{
    private const uint BatchFormat = 0x80013700;
    private static readonly Symbol SessionFilter = new("com.microsoft:session-filter");
    private readonly List<Connection> _receiverConnections = [];

    // Bodies from this size on go through AMQPNetLite's buffer pool: without it every 1 MB send and receive allocates
    // fresh large-object-heap buffers (the load tool's CPU per 1 MB message 9-11 ms without, 5-6 ms with), while for
    // small bodies the pool costs more than it saves (8.6 against 11-12 µs per 1 KB message).
    private const int PooledFromBytes = 512 * 1024;
    private readonly ConnectionFactory _factory = Factory(stockTransport, pooled: false);
    private readonly ConnectionFactory _pooledFactory = Factory(stockTransport, pooled: true);
    private string _entity = "";
    private readonly List<string> _receiveAddresses = [];
    private readonly List<string?> _sessionIds = [];

    public string Description => description;

    private static ConnectionFactory Factory(bool stockTransport, bool pooled)
    {
        var factory = new ConnectionFactory(stockTransport ? [] : [new BatchingAmqpTransportProvider()]);
        if (pooled)
            factory.BufferManager = new BufferManager(256, 4 * 1024 * 1024, 256L * 1024 * 1024);
        return factory;
    }

    private ConnectionFactory FactoryFor(RunSettings s) => s.Size >= PooledFromBytes ? _pooledFactory : _factory;

    public async Task SetupAsync(RunSettings s)
    {
        _entity = $"load-{s.Scenario.Name}-{Guid.NewGuid().ToString("N")[..8]}";
        _receiveAddresses.Clear();
        _sessionIds.Clear();
        switch (s.Scenario.Kind)
        {
            case ScenarioKind.FanOut:
                await admin.CreateTopicAsync(_entity);
                for (var i = 0; i < s.Subscriptions; i++)
                {
                    var subscription = $"s{i}";
                    await admin.CreateSubscriptionAsync(_entity, subscription);
                    _receiveAddresses.Add($"{_entity}/Subscriptions/{subscription}");
                    _sessionIds.Add(null);
                }
                break;
            case ScenarioKind.Sessions:
                await admin.CreateQueueAsync(_entity, requiresSession: true);
                for (var i = 0; i < s.Sessions; i++)
                {
                    _receiveAddresses.Add(_entity);
                    _sessionIds.Add(SessionId(i));
                }
                break;
            default:
                await admin.CreateQueueAsync(_entity, requiresSession: false);
                for (var i = 0; i < s.Receivers; i++)
                {
                    _receiveAddresses.Add(_entity);
                    _sessionIds.Add(null);
                }
                break;
        }
    }

    private static string SessionId(long i) => string.Create(CultureInfo.InvariantCulture, $"session-{i}");

    public async Task StartReceiversAsync(RunSettings s, Stats stats)
    {
        var connections = Math.Max(1, Math.Min(s.Receivers, _receiveAddresses.Count));
        for (var c = 0; c < connections; c++)
            _receiverConnections.Add(await FactoryFor(s).CreateAsync(new Address(amqpAddress)));
        for (var i = 0; i < _receiveAddresses.Count; i++)
        {
            var session = new Session(_receiverConnections[i % connections]);
            var source = new Source { Address = _receiveAddresses[i] };
            if (_sessionIds[i] is { } sessionId)
                source.FilterSet = new Map { [SessionFilter] = sessionId };
            var receiver = new ReceiverLink(session, $"receiver-{i}", source, null);
            receiver.Start(s.Prefetch, (link, message) =>
            {
                stats.Received(MessageBody.SentAt((byte[])message.Body));
                link.Accept(message);
            });
        }
    }

    public async Task SendAsync(RunSettings s, SendBudget budget, Stats stats, CancellationToken stop)
    {
        var connections = new List<Connection>();
        var tasks = new List<Task>();
        var rate = s.Rate > 0 ? (double)s.Rate / s.Senders : 0;
        for (var p = 0; p < s.Senders; p++)
        {
            var connection = await FactoryFor(s).CreateAsync(new Address(amqpAddress));
            connections.Add(connection);
            var sender = new SenderLink(new Session(connection), $"sender-{p}", _entity);
            var first = p;
            tasks.Add(Task.Run(() => ProduceAsync(sender, s, first, rate, budget, stats, stop)));
        }
        await Task.WhenAll(tasks);
        foreach (var connection in connections)
            await connection.CloseAsync();
    }

    private static async Task ProduceAsync(SenderLink sender, RunSettings s, int first, double rate, SendBudget budget, Stats stats, CancellationToken stop)
    {
        using var window = new SemaphoreSlim(s.Window);
        var pacer = new Pacer(rate / s.Batch);
        var body = new MessageBody(s.Size);
        long sequence = 0;
        var session = first;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var n = budget.Take(s.Batch);
                if (n == 0)
                    break;
                await pacer.WaitAsync(stop);
                await window.WaitAsync(stop);
                string? sessionId = s.Scenario.Kind == ScenarioKind.Sessions ? SessionId(session++ % s.Sessions) : null;
                Message message;
                if (s.Batch == 1)
                {
                    message = Create(body, first, sequence++, sessionId);
                }
                else
                {
                    var sections = new DataList();
                    for (var i = 0; i < n; i++)
                    {
                        var encoded = Create(body, first, sequence++, sessionId).Encode();
                        sections.Add(new Data { Binary = encoded.Buffer.AsSpan(encoded.Offset, encoded.Length).ToArray() });
                    }
                    message = new Message { Format = BatchFormat, BodySection = sections };
                }
                sender.Send(message, static (link, msg, outcome, state) =>
                {
                    var (w, st, count) = ((SemaphoreSlim, Stats, int))state!;
                    if (outcome is Accepted)
                        st.Sent(count);
                    else
                        st.Failed(count);
                    w.Release();
                }, (window, stats, n));
            }
        }
        catch (OperationCanceledException)
        {
        }
        // Let the outstanding sends settle before the connection closes.
        for (var i = 0; i < s.Window; i++)
            await window.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A message as the Service Bus SDK shapes it: a message id, a data body, a group id for sessions.</summary>
    private static Message Create(MessageBody body, int sender, long sequence, string? sessionId) => new()
    {
        Properties = new Properties
        {
            MessageId = string.Create(CultureInfo.InvariantCulture, $"{sender}-{sequence}"),
            GroupId = sessionId,
        },
        BodySection = new Data { Binary = body.Stamped() },
    };

    public async Task TeardownAsync()
    {
        foreach (var connection in _receiverConnections)
        {
            try
            {
                await connection.CloseAsync();
            }
            catch (AmqpException)
            {
            }
        }
        _receiverConnections.Clear();
        if (_entity.Length > 0)
            await admin.DeleteAsync(_entity);
    }
}
