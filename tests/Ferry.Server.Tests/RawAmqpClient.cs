using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ferry.Amqp;

namespace Ferry.Server.Tests;

/// <summary>A frame the raw client read: the channel, the performative and the transfer payload (copied).</summary>
internal sealed record RawFrame(FrameType Type, ushort Channel, Performative Performative, byte[] Payload);

/// <summary>
/// A hand-driven AMQP peer on a plain socket, encoding with Ferry.Amqp: it writes exactly the bytes a test asks for,
/// in any order, legal or not, and reads frames back one at a time.
/// </summary>
internal sealed class RawAmqpClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;

    private RawAmqpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream);
    }

    /// <summary>The client's own port: the server logs it as the connection's remote end point.</summary>
    public int LocalPort => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public static async Task<RawAmqpClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return new RawAmqpClient(socket);
    }

    /// <summary>SASL PLAIN with the key, then the AMQP header and open; returns the server's open.</summary>
    public static async Task<(RawAmqpClient Client, Open Open)> ConnectAndOpenAsync(int port, uint maxFrameSize = 64 * 1024, uint? idleTimeOut = null)
    {
        var client = await ConnectAsync(port);
        await client.SaslPlainAsync();
        var open = await client.OpenAsync(maxFrameSize, idleTimeOut);
        return (client, open);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes);

    public Task SendFrameAsync(ushort channel, Performative performative, ReadOnlySpan<byte> payload = default) =>
        SendAsync(Frame(FrameType.Amqp, channel, performative, payload));

    public static byte[] Frame(FrameType type, ushort channel, Performative performative, ReadOnlySpan<byte> payload = default)
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteFrame(output, type, channel, performative, payload);
        return output.WrittenSpan.ToArray();
    }

    public static byte[] Header(ProtocolHeader header)
    {
        var output = new ArrayBufferWriter<byte>(8);
        header.WriteTo(output);
        return output.WrittenSpan.ToArray();
    }

    public async Task SaslPlainAsync(string keyName = ServerFixture.KeyName, string key = ServerFixture.Key, SaslCode expected = SaslCode.Ok)
    {
        var outcome = await SaslAsync("PLAIN", Encoding.UTF8.GetBytes($"\0{keyName}\0{key}"));
        Assert.Equal(expected, outcome.Code);
    }

    /// <summary>Sends the SASL header and sasl-init; returns the server's outcome.</summary>
    public async Task<SaslOutcome> SaslAsync(string mechanism, byte[]? initialResponse = null)
    {
        await SendAsync(Header(ProtocolHeader.Sasl));
        Assert.Equal(ProtocolHeader.Sasl, await ReadHeaderAsync());
        var mechanisms = Assert.IsType<SaslMechanisms>((await ReadFrameAsync())!.Performative);
        Assert.Contains(new AmqpSymbol(mechanism), mechanisms.Mechanisms!);
        await SendAsync(Frame(FrameType.Sasl, 0, new SaslInit { Mechanism = mechanism, InitialResponse = initialResponse }));
        return Assert.IsType<SaslOutcome>((await ReadFrameAsync())!.Performative);
    }

    public async Task<Open> OpenAsync(uint maxFrameSize = 64 * 1024, uint? idleTimeOut = null)
    {
        await SendAsync(Header(ProtocolHeader.Amqp));
        Assert.Equal(ProtocolHeader.Amqp, await ReadHeaderAsync());
        await SendFrameAsync(0, new Open { ContainerId = "raw-test", Hostname = "localhost", MaxFrameSize = maxFrameSize, IdleTimeOut = idleTimeOut });
        return await ExpectAsync<Open>();
    }

    public async Task<Begin> BeginAsync(ushort channel = 0)
    {
        await SendFrameAsync(channel, new Begin { NextOutgoingId = 0, IncomingWindow = 100_000, OutgoingWindow = 100_000 });
        return await ExpectAsync<Begin>();
    }

    /// <summary>Attaches a link on which the client receives from <paramref name="address"/>; returns the server's attach.</summary>
    public async Task<Attach> AttachReceiverAsync(ushort channel, uint handle, string address, SenderSettleMode settleMode = SenderSettleMode.Unsettled)
    {
        await SendFrameAsync(channel, new Attach
        {
            Name = $"raw-receiver-{handle}",
            Handle = handle,
            Role = Role.Receiver,
            SndSettleMode = settleMode,
            RcvSettleMode = ReceiverSettleMode.First,
            Source = new Source { Address = address },
            Target = new Target(),
        });
        return await ExpectAsync<Attach>();
    }

    /// <summary>Attaches a link on which the client sends to <paramref name="address"/>; returns the server's attach.</summary>
    public async Task<Attach> AttachSenderAsync(ushort channel, uint handle, string address)
    {
        await SendFrameAsync(channel, new Attach
        {
            Name = $"raw-sender-{handle}",
            Handle = handle,
            Role = Role.Sender,
            SndSettleMode = SenderSettleMode.Unsettled,
            Source = new Source(),
            Target = new Target { Address = address },
            InitialDeliveryCount = 0,
        });
        return await ExpectAsync<Attach>();
    }

    public Task FlowAsync(ushort channel, uint handle, uint deliveryCount, uint credit, bool drain = false, bool echo = false) =>
        SendFrameAsync(channel, new Flow
        {
            NextIncomingId = 0,
            IncomingWindow = 100_000,
            NextOutgoingId = 0,
            OutgoingWindow = 100_000,
            Handle = handle,
            DeliveryCount = deliveryCount,
            LinkCredit = credit,
            Drain = drain,
            Echo = echo,
        });

    public async Task<ProtocolHeader> ReadHeaderAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var result = await _input.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            if (ProtocolHeader.TryRead(ref buffer, out var header))
            {
                _input.AdvanceTo(buffer.Start);
                return header;
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
                throw new EndOfStreamException("The server closed the socket before sending a protocol header.");
        }
    }

    /// <summary>Reads the next non-empty frame; null when the server closed the socket. Heartbeats are skipped.</summary>
    public async Task<RawFrame?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(cts.Token);
            }
            catch (IOException)
            {
                return null; // reset by the server: closed as far as the test is concerned
            }
            var buffer = result.Buffer;
            RawFrame? frame = null;
            var heartbeat = false;
            if (FrameReader.TryReadFrame(ref buffer, uint.MaxValue, out var read))
            {
                if (read.IsEmpty)
                {
                    heartbeat = true;
                }
                else
                {
                    var performative = read.ReadPerformative(out var payload);
                    frame = new RawFrame(read.Type, read.Channel, performative, payload.ToArray());
                }
                _input.AdvanceTo(buffer.Start);
            }
            else
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                    return null;
            }
            if (frame is not null)
                return frame;
            if (heartbeat)
                continue;
        }
    }

    /// <summary>Reads frames until one of type <typeparamref name="T"/>; fails on socket close. Other frames are skipped.</summary>
    public async Task<T> ExpectAsync<T>(TimeSpan? timeout = null, List<RawFrame>? skipped = null) where T : Performative =>
        (T)(await ExpectFrameAsync<T>(timeout, skipped)).Performative;

    /// <summary>Like <see cref="ExpectAsync{T}"/>, with the frame's channel and payload.</summary>
    public async Task<RawFrame> ExpectFrameAsync<T>(TimeSpan? timeout = null, List<RawFrame>? skipped = null) where T : Performative
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var frame = await ReadFrameAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1))
                ?? throw new EndOfStreamException($"The server closed the socket while the test waited for {typeof(T).Name}.");
            if (frame.Performative is T)
                return frame;
            skipped?.Add(frame);
        }
    }

    /// <summary>Reads until the server closes the socket; returns the frames read on the way.</summary>
    public async Task<List<RawFrame>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var frames = new List<RawFrame>();
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException("The server did not close the socket.");
            var frame = await ReadFrameAsync(left);
            if (frame is null)
                return frames;
            frames.Add(frame);
        }
    }

    /// <summary>Closes the socket at once, without a close frame.</summary>
    public void Abort() => _socket.Close();

    public async ValueTask DisposeAsync()
    {
        await _input.CompleteAsync();
        await _stream.DisposeAsync();
    }
}
