using System.Net.Sockets;

namespace Ferry.LoadTest;

/// <summary>
/// Gathers the bytes a client library writes to a socket and sends them in one socket write from the thread pool.
/// Both client libraries of the load tool write each AMQP frame with its own socket call — AMQPNetLite a transfer per
/// send and a disposition per accept, RabbitMQ.Client 7.2.2 a publish per message and an ack per delivery (measured:
/// about two <c>sendto</c> calls per message either way) — and on two shared cores the kernel's loopback send path then
/// cost the load tool more CPU than the broker spent per message. Copied into a pending buffer and flushed by one
/// work item, everything written in one burst (the accepts for all the deliveries of one read) leaves together, as a
/// broker's own writer does. The peer sees the same frames in fewer TCP segments.
/// </summary>
internal sealed class SocketWriteBatcher(Socket socket)
{
    // Past this, a write waits until the flush takes the buffer, so a slow peer holds the writer back instead of the
    // buffer growing without bound (large messages with a wide window).
    private const int HighWater = 1024 * 1024;
    private static readonly Action<SocketWriteBatcher> FlushCallback = static b => _ = b.FlushAsync();

    private readonly Lock _sync = new();
    private byte[] _pending = new byte[64 * 1024];
    private byte[] _sending = new byte[64 * 1024];
    private int _length;
    private bool _flushing;
    private Exception? _failure;
    private TaskCompletionSource? _taken;

    /// <summary>Copies <paramref name="data"/> for sending; the task completes at once unless the buffer is past its
    /// high-water mark, then when a flush has taken it.</summary>
    /// <exception cref="IOException">An earlier send failed; the socket is closed.</exception>
    public Task WriteAsync(ReadOnlySpan<byte> data)
    {
        lock (_sync)
        {
            if (_failure is not null)
                throw new IOException("The socket failed on an earlier send.", _failure);
            if (_length + data.Length > _pending.Length)
                Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _length + data.Length));
            data.CopyTo(_pending.AsSpan(_length));
            _length += data.Length;
            if (!_flushing)
            {
                _flushing = true;
                ThreadPool.UnsafeQueueUserWorkItem(FlushCallback, this, preferLocal: false);
            }
            if (_length < HighWater)
                return Task.CompletedTask;
            _taken ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _taken.Task;
        }
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            int length;
            TaskCompletionSource? taken;
            lock (_sync)
            {
                taken = _taken;
                _taken = null;
                if (_length == 0 || _failure is not null)
                {
                    _flushing = false;
                    taken?.TrySetResult();
                    return;
                }
                (_pending, _sending) = (_sending, _pending);
                length = _length;
                _length = 0;
            }
            taken?.TrySetResult();
            try
            {
                var sent = 0;
                while (sent < length)
                    sent += await socket.SendAsync(_sending.AsMemory(sent, length - sent), SocketFlags.None);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                lock (_sync)
                {
                    _failure = ex;
                    _flushing = false;
                    taken = _taken;
                    _taken = null;
                }
                // A writer held back at the high-water mark learns of the failure instead of waiting for ever.
                taken?.TrySetException(new IOException("The socket failed while sending.", ex));
                // The client's receive side then fails as well and closes its connection with the error.
                socket.Dispose();
                return;
            }
        }
    }
}
