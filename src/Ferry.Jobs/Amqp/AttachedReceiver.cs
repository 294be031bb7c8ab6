using System.Threading.Channels;
using Amqp;
using Amqp.Framing;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

/// <summary>
/// Keeps one peek-lock receiver attached to a consumer's queue: attaches it, starts it with the consumer's credit writing
/// every delivery to the consumer's channel, waits until the link closes, and attaches again after a backoff (100 ms doubling
/// per failed attach up to 30 s, 20 % jitter; back to the shortest once a link was up). Ends when the token is cancelled.
/// </summary>
internal static class AttachedReceiver
{
    /// <summary>
    /// Runs until <paramref name="token"/> is cancelled. <paramref name="attached"/> is told each new link before it starts
    /// (the consumer sets its credit to 0 on shutdown); <paramref name="consumer"/> is how the log names the consumer before
    /// the job type ("Job type", "Batch job type").
    /// </summary>
    public static async Task RunAsync(AmqpServiceBusConnection connection, string queue, int credit,
        ChannelWriter<(ReceiverLink Link, Message Message)> deliveries, Action<ReceiverLink> attached, string consumer, string jobType,
        ILogger logger, TimeProvider time, CancellationToken token)
    {
        for (var failures = 0; !token.IsCancellationRequested;)
        {
            try
            {
                var link = await connection.CreateReceiverAsync(queue, token).ConfigureAwait(false);
                var closed = new TaskCompletionSource<Error?>(TaskCreationOptions.RunContinuationsAsynchronously);
                link.Closed += (_, error) => closed.TrySetResult(error);
                attached(link);
                link.Start(credit, (receiver, message) => deliveries.TryWrite(((ReceiverLink)receiver, message)));
                if (link.IsClosed)
                    closed.TrySetResult(link.Error);
                failures = 0;
                var error = await closed.Task.WaitAsync(token).ConfigureAwait(false);
                logger.LogWarning("{Consumer} {JobType}: the receiver on {Queue} closed ({Condition} {Description}); re-attaching.",
                    consumer, jobType, queue, error?.Condition, error?.Description);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                logger.LogWarning(ex, "{Consumer} {JobType}: attaching a receiver to {Queue} failed.", consumer, jobType, queue);
            }
            try
            {
                await Task.Delay(Backoff.Delay(failures, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30), 0.2), time, token)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
