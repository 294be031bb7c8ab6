using Amqp;

namespace Ferry.Jobs;

internal static class AmqpClose
{
    /// <summary>
    /// Closes a connection, session or link, ignoring failures (it may be closed already, or its connection gone). Runs off
    /// the caller's synchronization context: AMQPNetLite resumes on the captured context, and a caller blocking in a
    /// synchronous Dispose on a limited context (xunit's, a UI's) would otherwise wait out the timeout.
    /// </summary>
    public static Task QuietlyAsync(AmqpObject? amqpObject, TimeSpan? timeout = null)
    {
        if (amqpObject is null || amqpObject.IsClosed)
            return Task.CompletedTask;
        return Task.Run(async () =>
        {
            try
            {
                await amqpObject.CloseAsync(timeout ?? TimeSpan.FromSeconds(5), null).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AmqpException or ObjectDisposedException or TimeoutException or InvalidOperationException)
            {
                // Already closing, or the connection is gone.
            }
        });
    }
}
