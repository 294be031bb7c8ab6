using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

/// <summary>
/// How a consumer settles one peek-locked message of a job type: complete, abandon, retry after a delay (Ferry's
/// abandon-with-delay, or Azure's schedule-a-copy-then-complete) and dead-letter. Shared by the single-job, batch and
/// pipeline-task consumers so that they retry and dead-letter alike.
/// </summary>
internal sealed class JobSettlement(JobRegistration job, AmqpServiceBusConnection connection, ILogger logger, TimeProvider time,
    CancellationToken stopping)
{
    public const string Completed = "completed";
    public const string Abandoned = "abandoned";
    public const string Suspended = "suspended";

    public Task CompleteAsync(ReceiverLink link, Message message) => SettleAsync(link, message, static (l, m) => l.Accept(m), Completed);

    public Task AbandonAsync(ReceiverLink link, Message message) => SettleAsync(link, message, static (l, m) => l.Modify(m, false, false), Abandoned);

    public async Task RetryAsync(ReceiverLink link, Message message, JobDelivery delivery, TimeSpan delay)
    {
        if (connection.SupportsAbandonWithDelay)
        {
            // Ferry: abandon (delivery count + 1) and keep the message invisible for the delay (docs/extensions.md).
            // Through $management (link gone) it is a plain abandon: redelivered at once, still counted.
            var annotations = new Fields { [JobMessages.RetryAfterAnnotation] = (long)Math.Ceiling(delay.TotalMilliseconds) };
            await SettleAsync(link, message, (l, m) => l.Modify(m, false, false, annotations), Abandoned).ConfigureAwait(false);
            return;
        }

        // Azure: schedule a copy that carries the attempts made, then complete the original. A crash in between leaves
        // both (the job runs again: at-least-once); never neither.
        try
        {
            var management = await connection.GetManagementClientAsync(job.Queue, stopping).ConfigureAwait(false);
            var copy = JobMessages.RetryCopy(message, delivery.JobId, delivery.Attempt);
            await management.ScheduleMessageAsync(copy, time.GetUtcNow() + delay, stopping).ConfigureAwait(false);
            await CompleteAsync(link, message).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Could not schedule: abandon so the broker redelivers (its delivery count still counts the attempt).
            logger.LogWarning(ex, "Job {JobId} ({JobType}): scheduling the retry failed; abandoning the message instead.", delivery.JobId, job.JobType);
            await AbandonAsync(link, message).ConfigureAwait(false);
        }
    }

    /// <summary>Dead-letters with the exception's full type name as DeadLetterReason and its message as the description.</summary>
    public Task DeadLetterAsync(ReceiverLink link, Message message, Exception reason)
    {
        var type = JobMessages.Truncate(reason.GetType().FullName ?? reason.GetType().Name, 1024);
        var text = JobMessages.Truncate(reason.Message, 1024);
        var error = JobMessages.DeadLetterError(type, text);
        return SettleAsync(link, message, (l, m) => l.Reject(m, error), Suspended, type, text);
    }

    /// <summary>
    /// Settles on the link the message came on; when that link is gone (the connection failed and was re-opened), settles
    /// by lock token through <c>$management</c> update-disposition instead, so a job that finished is not run again.
    /// </summary>
    public async Task SettleAsync(ReceiverLink link, Message message, Action<ReceiverLink, Message> settle, string status,
        string? reason = null, string? description = null)
    {
        if (!link.IsClosed)
        {
            try
            {
                settle(link, message);
                return;
            }
            catch (Exception ex) when (ex is AmqpException or ObjectDisposedException or InvalidOperationException)
            {
                logger.LogDebug(ex, "Job type {JobType}: settling on the receive link failed; settling through $management.", job.JobType);
            }
        }
        var lockToken = JobMessages.LockToken(message);
        try
        {
            var management = await connection.GetManagementClientAsync(job.Queue, CancellationToken.None)
                .WaitAsync(connection.OperationTimeout).ConfigureAwait(false);
            await management.UpdateDispositionAsync(lockToken, status, reason, description).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The lock is gone too: the broker redelivers the message (counting the delivery).
            logger.LogWarning(ex, "Job type {JobType}: settling message {LockToken} ({Status}) failed; it will be redelivered.", job.JobType,
                lockToken, status);
        }
    }
}
