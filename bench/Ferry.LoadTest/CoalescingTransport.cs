using System.Net.Sockets;
using Amqp;

namespace Ferry.LoadTest;

/// <summary>
/// A TCP transport for AMQPNetLite that gathers the frames a connection writes and sends them in one socket write.
/// AMQPNetLite's own transport writes each frame as it is produced — a transfer per send, a disposition per accept —
/// so on these two cores the load tool spent half of its CPU in the kernel's loopback send path (one <c>sendmsg</c> per
/// frame, about two per message). The official Service Bus clients batch their writes (Microsoft.Azure.Amqp's
/// buffered writer, Node's socket queue), as does RabbitMQ.Client 7 on the other side of the comparison: this is the
/// same behaviour under the same AMQP client. Frames are copied into a pending buffer and flushed from the thread pool,
/// so everything written in one burst — the accepts for all the deliveries of one read — leaves together. Reads go
/// through a buffer as well (AMQPNetLite asks for a frame's size, then its body: two reads per frame otherwise).
/// </summary>
internal sealed class CoalescingTransport : IAsyncTransport
{
    // Past this, a write waits for the flush in progress, so a slow peer holds the writer back instead of the buffer
    // growing without bound (large messages with a wide window).
    private const int HighWater = 1024 * 1024;
    private static readonly Action<CoalescingTransport> FlushCallback = static t => _ = t.FlushAsync();

    private readonly Socket _socket;
    private readonly Lock _sync = new();
    private byte[] _pending = new byte[64 * 1024];
    private byte[] _sending = new byte[64 * 1024];
    private int _length;
    private bool _flushing;
    private Exception? _failure;
    private TaskCompletionSource? _drained;
    private readonly byte[] _read = new byte[64 * 1024];
    private int _readOffset;
    private int _readLength;

    private CoalescingTransport(Socket socket) => _socket = socket;

    public static async Task<IAsyncTransport> ConnectAsync(Address address)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(address.Host, address.Port);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new CoalescingTransport(socket);
    }

    public Task SendAsync(IList<ByteBuffer> bufferList, int listSize)
    {
        lock (_sync)
        {
            if (_failure is not null)
                throw new ObjectDisposedException(nameof(CoalescingTransport), _failure);
            if (_length + listSize > _pending.Length)
                Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _length + listSize));
            foreach (var buffer in bufferList)
            {
                Buffer.BlockCopy(buffer.Buffer, buffer.Offset, _pending, _length, buffer.Length);
                _length += buffer.Length;
            }
            if (!_flushing)
            {
                _flushing = true;
                ThreadPool.UnsafeQueueUserWorkItem(FlushCallback, this, preferLocal: false);
            }
            if (_length < HighWater)
                return Task.CompletedTask;
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            int length;
            TaskCompletionSource? drained;
            lock (_sync)
            {
                drained = _drained;
                _drained = null;
                if (_length == 0 || _failure is not null)
                {
                    _flushing = false;
                    drained?.TrySetResult();
                    return;
                }
                (_pending, _sending) = (_sending, _pending);
                length = _length;
                _length = 0;
            }
            drained?.TrySetResult();
            try
            {
                var sent = 0;
                while (sent < length)
                    sent += await _socket.SendAsync(_sending.AsMemory(sent, length - sent), SocketFlags.None);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                lock (_sync)
                {
                    _failure = ex;
                    _flushing = false;
                }
                // The receive side then fails too, and AMQPNetLite closes the connection with the error.
                _socket.Dispose();
                return;
            }
        }
    }

    // AMQPNetLite reads a frame's size, then the rest of it: serve both from one socket read of whatever has arrived.
    public async Task<int> ReceiveAsync(byte[] buffer, int offset, int count)
    {
        if (_readLength == 0)
        {
            _readOffset = 0;
            _readLength = await _socket.ReceiveAsync(_read, SocketFlags.None);
            if (_readLength == 0)
                throw new SocketException((int)SocketError.ConnectionReset);
        }
        var n = Math.Min(count, _readLength);
        Buffer.BlockCopy(_read, _readOffset, buffer, offset, n);
        _readOffset += n;
        _readLength -= n;
        return n;
    }

    // Not called for an asynchronous transport (AMQPNetLite writes through SendAsync); kept correct all the same.
    public void Send(ByteBuffer buffer) => SendAsync([buffer], buffer.Length).GetAwaiter().GetResult();

    public int Receive(byte[] buffer, int offset, int count) => ReceiveAsync(buffer, offset, count).GetAwaiter().GetResult();

    public void SetConnection(Connection connection)
    {
    }

    public void Close() => _socket.Dispose();
}

/// <summary>Hands AMQPNetLite a <see cref="CoalescingTransport"/> for <c>amqp://</c> addresses.</summary>
internal sealed class CoalescingTransportProvider : TransportProvider
{
    public CoalescingTransportProvider() => AddressSchemes = ["amqp"];

    public override Task<IAsyncTransport> CreateAsync(Address address) => CoalescingTransport.ConnectAsync(address);
}
