using System.Net;
using System.Net.Sockets;
using RabbitMQ.Client;

namespace Ferry.LoadTest;

/// <summary>
/// RabbitMQ.Client's socket with batched writes (<see cref="SocketWriteBatcher"/>): the client writes each frame to the
/// stream and flushes it; here a write is copied and sent with the others of its burst, and a flush returns at once.
/// Plugged in through <see cref="ConnectionFactory.SocketFactory"/>.
/// </summary>
internal sealed class BatchingRabbitSocket(AddressFamily family) : ITcpClient
{
    private readonly TcpClientAdapter _inner = new(new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
    private BatchingStream? _stream;

    public bool Connected => _inner.Connected;

    public TimeSpan ReceiveTimeout
    {
        get => _inner.ReceiveTimeout;
        set => _inner.ReceiveTimeout = value;
    }

    public Socket Client => _inner.Client;

    public Task ConnectAsync(IPAddress host, int port, CancellationToken cancellationToken = default) =>
        _inner.ConnectAsync(host, port, cancellationToken);

    public NetworkStream GetStream() => _stream ??= new BatchingStream(_inner.Client);

    public void Close() => _inner.Close();

    public void Dispose() => _inner.Dispose();

    private sealed class BatchingStream(Socket socket) : NetworkStream(socket, ownsSocket: false)
    {
        private readonly SocketWriteBatcher _writer = new(socket);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => _writer.WriteAsync(buffer).GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _writer.WriteAsync(buffer.AsSpan(offset, count));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(_writer.WriteAsync(buffer.Span));

        // The bytes are on their way: the batcher sends them as soon as the thread pool runs its flush.
        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
