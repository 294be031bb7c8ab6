using Amqp;

namespace Ferry.Jobs;

internal static class AmqpClose
{
    /// <summary>
    /// Closes a connection, session or link, ignoring failures (it may be closed already, or its connection gone). By
    /// default it sends the close and does not wait for the peer's (timeout zero): when the caller blocks on disposal
    /// (<c>host.Run()</c>, a synchronous Dispose) AMQPNetLite does not see the peer's reply and would wait out the
    /// whole timeout.
    /// </summary>
    public static Task QuietlyAsync(AmqpObject? amqpObject, TimeSpan? timeout = null)
    {
        if (amqpObject is null || amqpObject.IsClosed)
            return Task.CompletedTask;
        return Task.Run(async () =>
        {
            try
            {
                await amqpObject.CloseAsync(timeout ?? TimeSpan.Zero, null).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AmqpException or ObjectDisposedException or TimeoutException or InvalidOperationException)
            {
                // Already closing, or the connection is gone.
            }
        });
    }
}
