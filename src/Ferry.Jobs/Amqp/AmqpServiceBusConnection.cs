using System.Collections.Concurrent;
using Amqp;
using Amqp.Framing;
using Amqp.Sasl;
using Amqp.Types;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ferry.Jobs;

/// <summary>
/// One AMQP connection to a Service Bus namespace (Ferry or Azure), opened lazily with SASL ANONYMOUS and re-opened
/// with exponential backoff when it fails. Every link is authorized with a CBS put-token for its audience before it
/// attaches, and the tokens are re-put before they expire. Ferry is recognised by the <c>com.ferry:extensions</c>
/// property of its open frame.
/// </summary>
public sealed partial class AmqpServiceBusConnection : IAsyncDisposable
{
    /// <summary>The open-frame property in which Ferry lists its extensions.</summary>
    public const string ExtensionsProperty = "com.ferry:extensions";

    /// <summary>Ferry's abandon-with-delay extension (docs/extensions.md).</summary>
    public const string AbandonWithDelayExtension = "abandon-with-delay";

    private static readonly TimeSpan TokenRefreshInterval = TimeSpan.FromMinutes(45);

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly bool? _useFerryExtensions;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private Scope? _scope;
    private int _generation;
    private int _tokensRefreshed;

    public AmqpServiceBusConnection(ServiceBusEndpoint endpoint, ILogger? logger = null, bool? useFerryExtensions = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        _logger = logger ?? NullLogger.Instance;
        _useFerryExtensions = useFerryExtensions;
        _time = timeProvider ?? TimeProvider.System;
    }

    public ServiceBusEndpoint Endpoint { get; }

    /// <summary>How long one request (open, attach, CBS, management) may take.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound of the reconnect backoff (it starts at 100 ms and doubles, with jitter).</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The extensions the broker announced on the last open (empty for Azure Service Bus); empty before the first connect.</summary>
    public IReadOnlySet<string> RemoteExtensions { get; private set; } = new HashSet<string>();

    /// <summary>True when the broker announced Ferry's extensions (connect first: see <see cref="ConnectAsync"/>).</summary>
    public bool IsFerry => RemoteExtensions.Count > 0;

    /// <summary>
    /// Whether retries abandon with a delay (Ferry) rather than complete and schedule a copy (Azure). Detected from the
    /// open frame unless forced by the constructor's <c>useFerryExtensions</c>.
    /// </summary>
    public bool SupportsAbandonWithDelay => _useFerryExtensions ?? RemoteExtensions.Contains(AbandonWithDelayExtension);

    /// <summary>How many times a physical connection has been opened (1 after the first connect).</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>Tokens put again by the refresh loop (for tests).</summary>
    internal int TokensRefreshed => Volatile.Read(ref _tokensRefreshed);

    /// <summary>Opens the connection if it is not open, retrying with backoff until it opens or the token is cancelled.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default) => await GetScopeAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Attaches a sender to an entity, after a put-token for it.</summary>
    public async Task<SenderLink> CreateSenderAsync(string entityPath, CancellationToken cancellationToken = default)
    {
        var scope = await AuthorizedScopeAsync(entityPath, cancellationToken).ConfigureAwait(false);
        var name = $"{entityPath}-sender-{Guid.NewGuid():N}";
        var session = new Session(scope.Connection);
        var attached = NewAttachSignal();
        var sender = new SenderLink(session, name, new Attach
        {
            Source = new Source { Address = name },
            Target = new Target { Address = entityPath },
            SndSettleMode = SenderSettleMode.Unsettled,
            RcvSettleMode = ReceiverSettleMode.First,
        }, (_, attach) =>
        {
            if (attach.Target is not null)
                attached.TrySetResult();
        });
        await AwaitAttachAsync(sender, session, attached, entityPath, cancellationToken).ConfigureAwait(false);
        return sender;
    }

    /// <summary>
    /// Attaches a peek-lock receiver (snd-settle-mode unsettled, rcv-settle-mode first) to an entity, after a put-token for
    /// it. The lock token of each message is its delivery tag (<c>new Guid(message.DeliveryTag)</c>). No credit is issued.
    /// </summary>
    public async Task<ReceiverLink> CreateReceiverAsync(string entityPath, CancellationToken cancellationToken = default)
    {
        var scope = await AuthorizedScopeAsync(entityPath, cancellationToken).ConfigureAwait(false);
        var name = $"{entityPath}-receiver-{Guid.NewGuid():N}";
        var session = new Session(scope.Connection);
        var attached = NewAttachSignal();
        var receiver = new ReceiverLink(session, name, new Attach
        {
            Source = new Source { Address = entityPath },
            Target = new Target { Address = name },
            SndSettleMode = SenderSettleMode.Unsettled,
            RcvSettleMode = ReceiverSettleMode.First,
            Properties = new Fields { [new Symbol("com.microsoft:receiver-name")] = name },
        }, (_, attach) =>
        {
            if (attach.Source is not null)
                attached.TrySetResult();
        });
        await AwaitAttachAsync(receiver, session, attached, entityPath, cancellationToken).ConfigureAwait(false);
        return receiver;
    }

    /// <summary>The management client of an entity on the current connection (created, with its put-token, on first use).</summary>
    public async Task<ServiceBusManagementClient> GetManagementClientAsync(string entityPath, CancellationToken cancellationToken = default)
    {
        var scope = await GetScopeAsync(cancellationToken).ConfigureAwait(false);
        if (scope.Management.TryGetValue(entityPath, out var existing) && !existing.IsClosed)
            return existing;
        var node = entityPath + "/$management";
        await AuthorizeAsync(scope, node, cancellationToken).ConfigureAwait(false);
        var client = new ServiceBusManagementClient(new RequestResponseLink(scope.Connection, node), entityPath, OperationTimeout);
        scope.Management[entityPath] = client;
        return client;
    }

    /// <summary>Closes the current connection as if it had failed; the next use reconnects. For tests of recovery.</summary>
    internal async Task AbortAsync()
    {
        var scope = _scope;
        if (scope is null)
            return;
        try
        {
            await scope.Connection.CloseAsync(TimeSpan.FromSeconds(5), new Error(ErrorCode.ConnectionForced) { Description = "aborted" }).ConfigureAwait(false);
        }
        catch (AmqpException)
        {
            // AMQPNetLite reports the error it closed with.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
            return;
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        await _disposed.CancelAsync().ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_scope is { } scope)
            {
                _scope = null;
                await scope.CloseAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
        _disposed.Dispose();
    }

    private static TaskCompletionSource NewAttachSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task AwaitAttachAsync(Link link, Session session, TaskCompletionSource attached, string entityPath, CancellationToken cancellationToken)
    {
        link.Closed += (closedLink, error) =>
        {
            attached.TrySetException(new AmqpException(error ?? new Error(ErrorCode.DetachForced) { Description = $"The link to '{entityPath}' closed." }));
            _ = CloseQuietlyAsync(session);
        };
        if (link.IsClosed)
            attached.TrySetException(new AmqpException(link.Error ?? new Error(ErrorCode.DetachForced) { Description = $"The link to '{entityPath}' closed." }));
        try
        {
            await attached.Task.WaitAsync(OperationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await CloseQuietlyAsync(session).ConfigureAwait(false);
            throw;
        }
    }

    private static Task CloseQuietlyAsync(AmqpObject amqpObject) => AmqpClose.QuietlyAsync(amqpObject);

    private async Task<Scope> AuthorizedScopeAsync(string entityPath, CancellationToken cancellationToken)
    {
        var scope = await GetScopeAsync(cancellationToken).ConfigureAwait(false);
        await AuthorizeAsync(scope, entityPath, cancellationToken).ConfigureAwait(false);
        return scope;
    }

    private async Task AuthorizeAsync(Scope scope, string entityPath, CancellationToken cancellationToken)
    {
        var audience = Endpoint.Audience(entityPath);
        await scope.Cbs.PutTokenAsync(audience, OperationTimeout, cancellationToken).ConfigureAwait(false);
        scope.Audiences.TryAdd(audience, 0);
    }

    private async Task<Scope> GetScopeAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        // Off the caller's synchronization context: AMQPNetLite resumes its own awaits (its I/O pump among them) on the
        // captured one, and a caller that later blocks on a limited context (xunit's, a UI's) would starve it.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        var current = _scope;
        if (current is { IsClosed: false })
            return current;

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        await _gate.WaitAsync(linked.Token).ConfigureAwait(false);
        try
        {
            current = _scope;
            if (current is { IsClosed: false })
                return current;
            if (current is not null)
            {
                _scope = null;
                await current.CloseAsync().ConfigureAwait(false);
            }

            for (var failures = 0; ; failures++)
            {
                try
                {
                    var scope = await OpenAsync(linked.Token).ConfigureAwait(false);
                    _scope = scope;
                    var generation = Interlocked.Increment(ref _generation);
                    if (generation > 1)
                        _logger.LogInformation("Reconnected to {Endpoint} (connection {Generation}).", Endpoint, generation);
                    _ = RefreshTokensAsync(scope);
                    return scope;
                }
                catch (Exception ex) when (!linked.IsCancellationRequested)
                {
                    var delay = Backoff.Delay(failures, TimeSpan.FromMilliseconds(100), MaxReconnectDelay, 0.2);
                    _logger.LogWarning(ex, "Connecting to {Endpoint} failed (attempt {Attempt}); retrying in {Delay}.", Endpoint, failures + 1, delay);
                    await Task.Delay(delay, _time, linked.Token).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Scope> OpenAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory();
        factory.SASL.Profile = SaslProfile.Anonymous;
        factory.AMQP.ContainerId = $"ferry-jobs-{Guid.NewGuid():N}";
        factory.AMQP.HostName = Endpoint.Host;
        factory.AMQP.MaxFrameSize = 256 * 1024;
        factory.AMQP.IdleTimeout = 60_000;
        var address = new Address(Endpoint.Host, Endpoint.Port, null, null, "/", Endpoint.UseTls ? "amqps" : "amqp");
        var opened = new TaskCompletionSource<Open>(TaskCreationOptions.RunContinuationsAsynchronously);
        var connection = await factory.CreateAsync(address, null, (_, open) => opened.TrySetResult(open))
            .WaitAsync(OperationTimeout, cancellationToken).ConfigureAwait(false);
        connection.Closed += (_, error) =>
        {
            opened.TrySetException(new AmqpException(error ?? new Error(ErrorCode.ConnectionForced) { Description = "The connection closed." }));
            if (error is not null)
                _logger.LogWarning("The connection to {Endpoint} closed: {Condition} {Description}", Endpoint, error.Condition, error.Description);
        };
        try
        {
            var remoteOpen = await opened.Task.WaitAsync(OperationTimeout, cancellationToken).ConfigureAwait(false);
            RemoteExtensions = ReadExtensions(remoteOpen);
            var scope = new Scope(connection, new CbsClient(connection, Endpoint, _time));
            _logger.LogDebug("Connected to {Endpoint}; broker extensions: [{Extensions}].", Endpoint, string.Join(", ", RemoteExtensions));
            return scope;
        }
        catch
        {
            await CloseQuietlyAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    private static HashSet<string> ReadExtensions(Open open)
    {
        var extensions = new HashSet<string>(StringComparer.Ordinal);
        if (open.Properties is { } properties && properties.TryGetValue(new Symbol(ExtensionsProperty), out var value))
        {
            var text = value switch
            {
                string s => s,
                Symbol symbol => (string)symbol,
                _ => value?.ToString(),
            };
            foreach (var name in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                extensions.Add(name);
        }
        return extensions;
    }

    /// <summary>Re-puts every audience's token before it expires, for as long as this connection lives.</summary>
    private async Task RefreshTokensAsync(Scope scope)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        scope.Connection.Closed += (_, _) =>
        {
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The refresh loop has ended already.
            }
        };
        if (scope.IsClosed)
            return;
        try
        {
            while (!scope.IsClosed)
            {
                await Task.Delay(TokenRefreshInterval, _time, stop.Token).ConfigureAwait(false);
                foreach (var audience in scope.Audiences.Keys)
                {
                    await scope.Cbs.PutTokenAsync(audience, OperationTimeout, stop.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref _tokensRefreshed);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Refreshing CBS tokens on {Endpoint} failed; links will be re-authorized when the connection is re-opened.", Endpoint);
        }
    }

    private sealed class Scope(Connection connection, CbsClient cbs)
    {
        public Connection Connection { get; } = connection;

        public CbsClient Cbs { get; } = cbs;

        public ConcurrentDictionary<string, byte> Audiences { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, ServiceBusManagementClient> Management { get; } = new(StringComparer.Ordinal);

        public bool IsClosed => Connection.IsClosed || Cbs.IsClosed;

        public async Task CloseAsync()
        {
            await CloseQuietlyAsync(Connection).ConfigureAwait(false);
        }
    }
}
