using System.Net.Sockets;
using Amqp;

namespace Ferry.LoadTest;

/// <summary>
/// AMQPNetLite's TCP transport with batched writes (<see cref="SocketWriteBatcher"/>) and buffered reads: AMQPNetLite
/// asks for a frame's size and then for the rest of it, which its own transport serves with two socket reads.
/// </summary>
internal sealed class BatchingAmqpTransport : IAsyncTransport
{
    private readonly Socket _socket;
    private readonly SocketWriteBatcher _writer;
    private readonly byte[] _read = new byte[64 * 1024];
    private int _readOffset;
    private int _readLength;

    private BatchingAmqpTransport(Socket socket)
    {
        _socket = socket;
        _writer = new SocketWriteBatcher(socket);
    }

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
        return new BatchingAmqpTransport(socket);
    }

    public Task SendAsync(IList<ByteBuffer> bufferList, int listSize)
    {
        var written = Task.CompletedTask;
        foreach (var buffer in bufferList)
            written = _writer.WriteAsync(buffer.Buffer.AsSpan(buffer.Offset, buffer.Length));
        return written;
    }

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
    public void Send(ByteBuffer buffer) => _writer.WriteAsync(buffer.Buffer.AsSpan(buffer.Offset, buffer.Length)).GetAwaiter().GetResult();

    public int Receive(byte[] buffer, int offset, int count) => ReceiveAsync(buffer, offset, count).GetAwaiter().GetResult();

    public void SetConnection(Connection connection)
    {
    }

    public void Close() => _socket.Dispose();
}

/// <summary>Hands AMQPNetLite a <see cref="BatchingAmqpTransport"/> for <c>amqp://</c> addresses.</summary>
internal sealed class BatchingAmqpTransportProvider : TransportProvider
{
    public BatchingAmqpTransportProvider() => AddressSchemes = ["amqp"];

    public override Task<IAsyncTransport> CreateAsync(Address address) => BatchingAmqpTransport.ConnectAsync(address);
}
