using System.Collections.Concurrent;
using Amqp;

namespace Ferry.CrashTests;

/// <summary>
/// The load: sender links (unsettled sends, a window of outstanding ones, each counted when the broker accepts it) and
/// one peek-lock receiver that completes what it gets — every other message by link disposition, the rest through
/// $management so that the completion is confirmed. Both reconnect to each new incarnation of the host.
/// </summary>
internal sealed class LoadClients(HostCluster cluster, Ledger ledger, string queue, int senders, int window, int credit)
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Every n-th message (by its per-link number) is completed through $management and confirmed; the rest by link disposition.</summary>
    private const int ConfirmEvery = 3;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly List<Task> _pendingSends = [];
    private readonly ConcurrentDictionary<string, string> _state = new();
    private int _reconnects;

    public int Reconnects => Volatile.Read(ref _reconnects);

    public void Start()
    {
        for (var link = 0; link < senders; link++)
        {
            var l = link;
            _loops.Add(Task.Run(() => SendLoopAsync(l)));
        }
        _loops.Add(Task.Run(ReceiveLoopAsync));
    }

    /// <summary>Stops sending and receiving; returns once every outstanding send has its outcome (or failed).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("The load did not stop within 30 s: " + string.Join("; ", _state.Select(kv => $"{kv.Key}={kv.Value}")));
        }
        Task[] pending;
        lock (_pendingSends)
            pending = [.. _pendingSends];
        await Task.WhenAll(pending);
    }

    private async Task SendLoopAsync(int link)
    {
        long n = 0;
        var failuresInRun = 0;
        var lastIncarnation = -1;
        while (!_stop.IsCancellationRequested)
        {
            _state[$"s{link}"] = "wait-up";
            var endpoint = await cluster.WaitUpAsync();
            if (endpoint is null)
                return;
            if (endpoint.Incarnation != lastIncarnation)
                failuresInRun = 0;
            lastIncarnation = endpoint.Incarnation;
            Connection? connection = null;
            using var slots = new SemaphoreSlim(window);
            var inFlight = new List<Task>();
            try
            {
                _state[$"s{link}"] = "connect";
                connection = await Connection.Factory.CreateAsync(new Address(endpoint.Address));
                var session = new Session(connection);
                var sender = new SenderLink(session, $"sender-{link}-{endpoint.Incarnation}", queue);
                while (!_stop.IsCancellationRequested && !connection.IsClosed)
                {
                    _state[$"s{link}"] = "slot";
                    await slots.WaitAsync(_stop.Token);
                    var id = LoadMessages.Id(link, ++n);
                    ledger.Sending(id, link, n, endpoint.Incarnation);
                    Task send;
                    try
                    {
                        send = sender.SendAsync(LoadMessages.Create(id));
                    }
                    catch
                    {
                        slots.Release();
                        throw;
                    }
                    var tracked = TrackAsync(send, id, slots);
                    inFlight.Add(tracked);
                    lock (_pendingSends)
                        _pendingSends.Add(tracked);
                    if (inFlight.Count > 4 * window)
                        inFlight.RemoveAll(t => t.IsCompleted);
                }
                // Let every send of this connection get its outcome before closing it.
                _state[$"s{link}"] = "in-flight";
                await Task.WhenAll(inFlight);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                _state[$"s{link}"] = "in-flight-after-stop";
                await Task.WhenAll(inFlight);
            }
            // AMQPNetLite cancels a pending receive or request with OperationCanceledException when its connection is torn
            // down (the broker was just killed): a connection failure like the others, not the test stopping.
            catch (Exception ex) when (ex is AmqpException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException or IOException or TimeoutException or OperationCanceledException)
            {
                if (cluster.IsUp(endpoint.Incarnation) && ++failuresInRun > 20)
                    ledger.Violation($"sender {link}: connection to a live broker (incarnation {endpoint.Incarnation}) keeps failing: {ex.Message}");
                Interlocked.Increment(ref _reconnects);
            }
            finally
            {
                _state[$"s{link}"] = "close";
                await CloseQuietlyAsync(connection);
            }
        }
        _state[$"s{link}"] = "done";
    }

    private async Task TrackAsync(Task send, string id, SemaphoreSlim slots)
    {
        try
        {
            await send.WaitAsync(SendTimeout);
            ledger.Acked(id);
        }
        catch (Exception ex) when (ex is AmqpException or ObjectDisposedException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            // Outcome unknown: the message may or may not be stored, and the test claims nothing about it.
        }
        finally
        {
            try
            {
                slots.Release();
            }
            catch (ObjectDisposedException)
            {
                // The connection's loop has moved on.
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var failuresInRun = 0;
        var lastIncarnation = -1;
        while (!_stop.IsCancellationRequested)
        {
            var endpoint = await cluster.WaitUpAsync();
            if (endpoint is null)
                return;
            if (endpoint.Incarnation != lastIncarnation)
                failuresInRun = 0;
            lastIncarnation = endpoint.Incarnation;
            Connection? connection = null;
            try
            {
                connection = await Connection.Factory.CreateAsync(new Address(endpoint.Address));
                var session = new Session(connection);
                var receiver = new ReceiverLink(session, $"receiver-{endpoint.Incarnation}", queue);
                var management = new ManagementClient(session, queue, $"mgmt-{endpoint.Incarnation}");
                receiver.SetCredit(credit, CreditMode.Manual);
                var group = new List<Message>(64);
                var toConfirm = new List<(string Id, Guid LockToken)>();
                Task confirming = Task.CompletedTask;
                try
                {
                    while (!_stop.IsCancellationRequested)
                    {
                        _state["r"] = "receive";
                        var first = await receiver.ReceiveAsync(TimeSpan.FromMilliseconds(200));
                        if (first is null)
                        {
                            if (connection.IsClosed)
                                throw new AmqpException(connection.Error ?? new Amqp.Framing.Error(new Amqp.Types.Symbol("amqp:connection:forced")));
                            continue;
                        }
                        group.Clear();
                        group.Add(first);
                        // The synchronous Receive with a zero timeout returns at once; AMQPNetLite's ReceiveAsync(TimeSpan.Zero) never
                        // completes when nothing is buffered.
                        while (group.Count < 64 && receiver.Receive(TimeSpan.Zero) is { } more)
                            group.Add(more);
                        foreach (var message in group)
                        {
                            var id = LoadMessages.MessageId(message);
                            ledger.Delivered(id, LoadMessages.SequenceNumber(message), LoadMessages.DeliveryCount(message), endpoint.Incarnation,
                                LoadMessages.BodyMatches(message));
                            if (LoadMessages.Parse(id).N % ConfirmEvery == 0)
                            {
                                toConfirm.Add((id, new Guid(message.DeliveryTag)));
                                continue;
                            }
                            ledger.LinkAccepted(id, endpoint.Incarnation);
                            receiver.Accept(message);
                        }
                        // One confirmed completion request in flight at a time, overlapping with receiving; the next one takes
                        // everything gathered meanwhile.
                        if (confirming.IsCompleted && toConfirm.Count > 0)
                        {
                            await confirming;
                            confirming = ConfirmAsync(management, [.. toConfirm]);
                            toConfirm.Clear();
                        }
                        receiver.SetCredit(group.Count, CreditMode.Manual);
                    }
                }
                finally
                {
                    _state["r"] = "confirming";
                    await confirming;
                }
            }
            // AMQPNetLite cancels a pending receive or request with OperationCanceledException when its connection is torn
            // down (the broker was just killed): a connection failure like the others, not the test stopping.
            catch (Exception ex) when (ex is AmqpException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException or IOException or TimeoutException or OperationCanceledException)
            {
                if (cluster.IsUp(endpoint.Incarnation) && ++failuresInRun > 20)
                    ledger.Violation($"receiver: connection to a live broker (incarnation {endpoint.Incarnation}) keeps failing: {ex.Message}");
                Interlocked.Increment(ref _reconnects);
            }
            finally
            {
                _state["r"] = "close";
                await CloseQuietlyAsync(connection);
            }
        }
        _state["r"] = "done";
    }

    private async Task ConfirmAsync(ManagementClient management, List<(string Id, Guid LockToken)> batch)
    {
        foreach (var (id, _) in batch)
            ledger.CompletionRequested(id);
        try
        {
            await management.CompleteAsync(batch.ConvertAll(c => c.LockToken));
        }
        catch (ManagementException ex)
        {
            ledger.Violation($"a confirmed completion of {batch.Count} locked message(s) was refused by a live broker: {ex.Message}");
            return;
        }
        catch (Exception ex) when (ex is AmqpException or ObjectDisposedException or InvalidOperationException or TimeoutException)
        {
            return; // the connection broke: unconfirmed, and the test claims nothing about these
        }
        foreach (var (id, _) in batch)
            ledger.Confirmed(id);
    }

    private static async Task CloseQuietlyAsync(Connection? connection)
    {
        if (connection is null || connection.IsClosed)
            return;
        try
        {
            await connection.CloseAsync(TimeSpan.FromSeconds(2), null);
        }
        catch (Exception ex) when (ex is AmqpException or ObjectDisposedException or TimeoutException or InvalidOperationException or IOException)
        {
            // Closing a connection to a killed broker fails; nothing to do.
        }
    }
}
