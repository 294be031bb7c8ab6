using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Ferry.Amqp;
using Ferry.Broker;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Amqp;

/// <summary>
/// One AMQP 1.0 connection: protocol header and SASL (§5.3), open/close, sessions, links, heartbeats.
/// </summary>
/// <remarks>
/// <para>Threads: the read loop processes frames one at a time. Broker callbacks (deliveries, made under an entity's
/// lock) and completions of asynchronous broker calls also write frames. <see cref="_sync"/> guards sessions, links,
/// delivery ids and the output buffer; it is a leaf lock — nothing calls into the broker while holding it — so the
/// lock order entity → connection cannot invert.</para>
/// <para>Output: frames are encoded into a pending buffer under the lock; one writer loop swaps it out and writes it to
/// the transport with one flush per batch. The read loop pauses while pending output is above a high-water mark, so
/// a peer that stops reading cannot make the server buffer without bound.</para>
/// </remarks>
internal sealed partial class AmqpConnection : IDisposable
{
    private const uint MinMaxFrameSize = 512;
    private const int OutputHighWaterMark = 4 * 1024 * 1024;

    private static readonly AmqpSymbol[] Mechanisms = ["ANONYMOUS", "MSSBCBS", "PLAIN"];

    private readonly ConnectionContext _context;

    // The read loop decodes every transfer and disposition into these two instances (one frame at a time): nothing on the
    // way (session, link, assembler) keeps the performative past the frame, only fields and the objects they refer to.
    private readonly ReusablePerformatives _decoded = new();
    private readonly FerryServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private readonly Dictionary<ushort, AmqpSession> _sessions = [];
    private readonly CancellationTokenSource _closing = new();
    private Phase _phase = Phase.Header;
    private uint _remoteMaxFrameSize = MinMaxFrameSize;
    private ushort _remoteChannelMax;
    private long _lastReceivedTicks;
    private bool _closeSent;
    private System.Net.Sockets.Socket? _socket;

    public AmqpConnection(ConnectionContext context, FerryBroker broker, FerryServerOptions options, SasTokenValidator tokens, TimeProvider time,
        ILogger logger)
    {
        _context = context;
        Broker = broker;
        _options = options;
        Tokens = tokens;
        _time = time;
        _logger = logger;
        _lastReceivedTicks = time.GetTimestamp();
        _socket = context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket;
    }

    private enum Phase
    {
        Header,
        SaslInit,
        HeaderAfterSasl,
        Open,
        Running,
        Closed,
    }

    public FerryBroker Broker { get; }

    /// <summary>The server's open-link counts, kept up to date by this connection's sessions.</summary>
    public required LinkStatistics Links { get; init; }

    public SasTokenValidator Tokens { get; }

    public TimeProvider Time => _time;

    public ILogger Logger => _logger;

    public string ConnectionId => _context.ConnectionId;

    /// <summary>Max frame size for frames we send: the smaller of both sides' limits.</summary>
    public uint OutgoingMaxFrameSize => Math.Min(_remoteMaxFrameSize, _options.MaxFrameSize);

    /// <summary>Set when SASL PLAIN proved a key: every entity is authorized without CBS tokens.</summary>
    public bool FullyAuthorized { get; private set; }

    public async Task RunAsync()
    {
        var writer = Task.Run(WriteLoopAsync);
        // Kestrel asks connections to close when the server stops (SIGTERM): close the AMQP connection properly.
        using var closeRequested = _context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionLifetimeNotificationFeature>()
            ?.ConnectionClosedRequested.Register(static s => ((AmqpConnection)s!).CloseWithError(AmqpErrorCode.ConnectionForced,
                "Ferry is shutting down; reconnect to another instance or retry later."), this);
        using var heartbeat = _time.CreateTimer(static s => ((AmqpConnection)s!).OnHeartbeatTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _heartbeat = heartbeat;
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
        catch (ConnectionResetException)
        {
        }
        catch (IOException)
        {
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "AMQP connection {ConnectionId} failed.", _context.ConnectionId);
        }
        finally
        {
            // Unhook the callbacks that signal output before anything is disposed: a server stop that asks this connection
            // to close just as it ends must not reach a disposed signal (Dispose of a registration waits for a running callback).
            closeRequested?.Dispose();
            heartbeat.Dispose();
            TearDown();
            await _closing.CancelAsync().ConfigureAwait(false);
            SignalOutput();
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or OperationCanceledException or InvalidOperationException)
            {
            }
            await _context.Transport.Input.CompleteAsync().ConfigureAwait(false);
            await _context.Transport.Output.CompleteAsync().ConfigureAwait(false);
            Dispose();
            _logger.LogDebug("AMQP connection {ConnectionId} from {RemoteEndPoint} ended.", ConnectionId, _context.RemoteEndPoint);
        }
    }

    public void Dispose()
    {
        _closing.Dispose();
        _outputRoom.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var input = _context.Transport.Input;
        while (_phase != Phase.Closed)
        {
            await WaitForOutputRoomAsync().ConfigureAwait(false);
            var result = await input.ReadAsync(_closing.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            AcknowledgeQuickly();
            try
            {
                if (!buffer.IsEmpty)
                    Volatile.Write(ref _lastReceivedTicks, _time.GetTimestamp());
                while (_phase != Phase.Closed && TryProcess(ref buffer))
                {
                }
            }
            catch (AmqpDecodeException ex)
            {
                CloseWithError(ex.Condition, ex.Message);
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
            if (result.IsCompleted || result.IsCanceled)
                break;
        }
        await FlushAndWaitAsync().ConfigureAwait(false);
    }

    // Linux delays ACKs by up to 40 ms. A client with Nagle's algorithm on (Node's sockets, so the JS SDK) then holds
    // its next small frame until that ACK arrives, and every request/response round trip costs 40 ms. Asking for
    // quick ACKs after each read removes that stall; the setting is not sticky, hence once per read.
    private void AcknowledgeQuickly()
    {
        if (_socket is null || !OperatingSystem.IsLinux())
            return;
        try
        {
            _socket.SetRawSocketOption(6 /* IPPROTO_TCP */, 12 /* TCP_QUICKACK */, QuickAckOn);
        }
        catch (System.Net.Sockets.SocketException)
        {
            _socket = null;
        }
        catch (ObjectDisposedException)
        {
            _socket = null;
        }
    }

    private static ReadOnlySpan<byte> QuickAckOn => [1, 0, 0, 0];

    /// <summary>Consumes one protocol unit (header or frame) from the buffer; false when more bytes are needed.</summary>
    private bool TryProcess(ref ReadOnlySequence<byte> buffer)
    {
        switch (_phase)
        {
            case Phase.Header:
            case Phase.HeaderAfterSasl:
                ProtocolHeader header;
                try
                {
                    if (!ProtocolHeader.TryRead(ref buffer, out header))
                        return false;
                }
                catch (AmqpDecodeException)
                {
                    // Not AMQP at all (an HTTP request, TLS hello): §2.2 still asks for our header before the socket closes.
                    header = default;
                }
                OnProtocolHeader(header);
                return true;
            default:
                var limit = _phase == Phase.Running ? _options.MaxFrameSize : Math.Max(_options.MaxFrameSize, 64 * 1024u);
                if (!FrameReader.TryReadFrame(ref buffer, limit, out var frame))
                    return false;
                OnFrame(frame);
                return true;
        }
    }

    // AMQP 1.0 §2.2 and §5.3.2: a client either starts with SASL (3 1 0 0) or goes straight to AMQP (0 1 0 0). On a
    // header we do not support we answer with the one we prefer and close the socket.
    private void OnProtocolHeader(ProtocolHeader header)
    {
        if (_phase == Phase.Header && header == ProtocolHeader.Sasl)
        {
            lock (_sync)
            {
                ProtocolHeader.Sasl.WriteTo(_pending);
                FrameWriter.WriteFrame(_pending, FrameType.Sasl, 0, new SaslMechanisms { Mechanisms = Mechanisms });
            }
            SignalOutput();
            _phase = Phase.SaslInit;
            return;
        }
        if (header == ProtocolHeader.Amqp)
        {
            lock (_sync)
                ProtocolHeader.Amqp.WriteTo(_pending);
            SignalOutput();
            _phase = Phase.Open;
            return;
        }
        lock (_sync)
            (_phase == Phase.Header ? ProtocolHeader.Sasl : ProtocolHeader.Amqp).WriteTo(_pending);
        SignalOutput();
        _logger.LogDebug("Connection {ConnectionId} sent an unsupported protocol header {Header}; closing.", ConnectionId, header);
        _phase = Phase.Closed;
    }

    private void OnFrame(Frame frame)
    {
        if (frame.IsEmpty)
            return; // heartbeat, §2.4.5
        var performative = frame.ReadPerformative(out var payload, _decoded);
        if (_phase == Phase.SaslInit)
        {
            if (frame.Type != FrameType.Sasl || performative is not SaslInit init)
                throw new AmqpDecodeException(AmqpErrorCode.FramingError, "Expected a sasl-init frame.");
            OnSaslInit(init);
            return;
        }
        if (frame.Type != FrameType.Amqp)
            throw new AmqpDecodeException(AmqpErrorCode.FramingError, "A SASL frame arrived after the SASL exchange.");
        if (_phase == Phase.Open)
        {
            if (performative is not Open open)
                throw new AmqpDecodeException(AmqpErrorCode.FramingError, $"Expected an open frame, got {performative.GetType().Name.ToLowerInvariant()}.");
            OnOpen(open);
            return;
        }
        switch (performative)
        {
            case Begin begin:
                OnBegin(frame.Channel, begin);
                break;
            case Close close:
                OnClose(close);
                break;
            case Open:
                CloseWithError(AmqpErrorCode.IllegalState, "The connection is already open.");
                break;
            default:
                if (!_sessions.TryGetValue(frame.Channel, out var session))
                {
                    CloseWithError(AmqpErrorCode.FramingError, $"No session is attached to channel {frame.Channel}.");
                    return;
                }
                session.OnFrame(performative, payload);
                break;
        }
    }

    private void OnSaslInit(SaslInit init)
    {
        var code = SaslCode.Ok;
        switch (init.Mechanism.Value)
        {
            case "ANONYMOUS":
            case "MSSBCBS":
                break;
            case "PLAIN":
                // RFC 4616: [authzid] NUL authcid NUL passwd; the key name and key of a configured SAS key.
                var parts = Encoding.UTF8.GetString(init.InitialResponse ?? []).Split('\0');
                if (parts.Length == 3 && Tokens.IsValidKey(parts[1], parts[2]))
                    FullyAuthorized = true;
                else
                    code = SaslCode.Auth;
                break;
            default:
                code = SaslCode.Auth;
                break;
        }
        lock (_sync)
            FrameWriter.WriteFrame(_pending, FrameType.Sasl, 0, new SaslOutcome { Code = code });
        SignalOutput();
        _phase = code == SaslCode.Ok ? Phase.HeaderAfterSasl : Phase.Closed;
    }

    private void OnOpen(Open open)
    {
        _remoteMaxFrameSize = Math.Max(MinMaxFrameSize, open.MaxFrameSize);
        _remoteChannelMax = open.ChannelMax;
        var reply = new Open
        {
            ContainerId = "ferry",
            Hostname = open.Hostname,
            MaxFrameSize = _options.MaxFrameSize,
            ChannelMax = ushort.MaxValue,
            IdleTimeOut = (uint)_options.IdleTimeout.TotalMilliseconds,
            Properties = new AmqpMap { [new AmqpSymbol("product")] = "Ferry", [new AmqpSymbol("com.ferry:extensions")] = "abandon-with-delay" },
        };
        lock (_sync)
            FrameWriter.WriteFrame(_pending, FrameType.Amqp, 0, reply);
        SignalOutput();
        _phase = Phase.Running;
        // §2.4.5: send something at least every half of the peer's idle time-out; check ours at the same cadence.
        var remoteIdle = open.IdleTimeOut is { } ms && ms > 0 ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;
        _heartbeatInterval = remoteIdle > TimeSpan.Zero ? remoteIdle / 2 : _options.IdleTimeout / 2;
        _heartbeat?.Change(_heartbeatInterval, _heartbeatInterval);
        _sendHeartbeats = remoteIdle > TimeSpan.Zero;
    }

    private void OnBegin(ushort channel, Begin begin)
    {
        if (begin.RemoteChannel is not null)
        {
            CloseWithError(AmqpErrorCode.NotAllowed, "Ferry does not initiate sessions; a begin with remote-channel set is not expected.");
            return;
        }
        if (_sessions.ContainsKey(channel))
        {
            CloseWithError(AmqpErrorCode.FramingError, $"Channel {channel} already has a session.");
            return;
        }
        if (channel > _remoteChannelMax && _remoteChannelMax != 0)
        {
            CloseWithError(AmqpErrorCode.FramingError, $"Channel {channel} is above the channel-max {_remoteChannelMax} the client announced.");
            return;
        }
        var session = new AmqpSession(this, channel, begin);
        lock (_sync)
            _sessions[channel] = session;
        session.SendBegin();
    }

    /// <summary>The session ended (by either side); forget it.</summary>
    internal void RemoveSession(AmqpSession session)
    {
        lock (_sync)
            _sessions.Remove(session.Channel);
    }

    private void OnClose(Close close)
    {
        if (close.Error is not null)
            _logger.LogDebug("Connection {ConnectionId} closed by the client: {Error}.", ConnectionId, close.Error);
        lock (_sync)
        {
            if (!_closeSent)
            {
                EncodeAcceptedRun();
                _closeSent = true;
                FrameWriter.WriteFrame(_pending, FrameType.Amqp, 0, new Close());
            }
        }
        SignalOutput();
        _phase = Phase.Closed;
    }

    /// <summary>Closes the connection with an error (§2.8.16): send close, stop reading, let the writer drain.</summary>
    public void CloseWithError(AmqpSymbol condition, string description)
    {
        _logger.LogDebug("Closing connection {ConnectionId}: {Condition} {Description}", ConnectionId, condition, description);
        lock (_sync)
        {
            if (!_closeSent && _phase is Phase.Running or Phase.Open)
            {
                EncodeAcceptedRun();
                _closeSent = true;
                FrameWriter.WriteFrame(_pending, FrameType.Amqp, 0, new Close { Error = new AmqpError(condition, description) });
            }
        }
        SignalOutput();
        _phase = Phase.Closed;
        _context.Transport.Input.CancelPendingRead();
    }

    /// <summary>Every path out (close, socket drop, error) ends here: links release their receivers.</summary>
    private void TearDown()
    {
        _phase = Phase.Closed;
        AmqpSession[] sessions;
        lock (_sync)
        {
            sessions = [.. _sessions.Values];
            _sessions.Clear();
        }
        foreach (var session in sessions)
            session.Abort();
    }
}
