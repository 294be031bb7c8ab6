using System.Text.Json;
using Amqp;
using Ferry.Jobs.Store;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

/// <summary>Submitting with a status store: recording the submit, and store-and-forward when the broker is unreachable.</summary>
internal sealed partial class JobClient
{
    public Task<JobReceipt> SubmitJobAsync<TPayload>(TPayload payload, string? jobId = null, CancellationToken cancellationToken = default) =>
        SubmitJobToAsync(options.QueueFor(typeof(TPayload)), payload, jobId, cancellationToken);

    public Task<JobReceipt> SubmitJobToAsync<TPayload>(string queue, TPayload payload, string? jobId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        var body = JsonSerializer.SerializeToUtf8Bytes(payload, options.SerializerOptions);
        return SubmitRawAsync(queue, options.JobTypeFor(typeof(TPayload)), body, jobId, cancellationToken);
    }

    /// <summary>
    /// Sends a serialized job. With a store, records it (Queued), or — when the broker does not answer within
    /// StoreAndForwardTimeout — keeps it in the store (QueuedLocally, committed before this returns) for the forwarder.
    /// </summary>
    internal async Task<JobReceipt> SubmitRawAsync(string queue, string jobType, byte[] body, string? jobId, CancellationToken cancellationToken,
        int? priority = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        // Off the caller's synchronization context: AMQPNetLite resumes its own awaits on the captured one.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        if (jobId is { Length: 0 or > 128 })
            throw new ArgumentException("A job id is 1 to 128 characters (it becomes the MessageId).", nameof(jobId));
        jobId ??= Guid.NewGuid().ToString("N");
        var store = lifecycle.Store;
        if (store is null)
        {
            await SendAsync(queue, jobType, body, jobId, cancellationToken, priority: priority).ConfigureAwait(false);
            return new JobReceipt(jobId, queue, QueuedLocally: false);
        }

        // While earlier jobs wait in the store, later ones join them at once: no timeout to wait out, and no overtaking.
        if (forwarder is { HasBacklog: true })
            return await KeepLocallyAsync(store, queue, jobType, body, jobId, cancellationToken).ConfigureAwait(false);
        using var brokerTimeout = new CancellationTokenSource(options.StoreAndForwardTimeout, lifecycle.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, brokerTimeout.Token);
        try
        {
            await SendAsync(queue, jobType, body, jobId, linked.Token, priority: priority).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsUnreachable(ex))
        {
            logger.LogWarning("The broker is unreachable ({Error}); job {JobId} for {Queue} is kept in the store and will be forwarded.",
                ex.Message, jobId, queue);
            return await KeepLocallyAsync(store, queue, jobType, body, jobId, cancellationToken).ConfigureAwait(false);
        }
        lifecycle.Publish(new JobEvent(JobEventKind.Submitted, jobId, lifecycle.Now) { Type = jobType, Queue = queue, Payload = body });
        return new JobReceipt(jobId, queue, QueuedLocally: false);
    }

    /// <summary>Commits the job as QueuedLocally (durable before this returns) and tells the forwarder.</summary>
    private async Task<JobReceipt> KeepLocallyAsync(IJobStore store, string queue, string jobType, byte[] body, string jobId, CancellationToken cancellationToken)
    {
        forwarder?.MarkBacklog();
        store.Append(new JobEvent(JobEventKind.QueuedLocally, jobId, lifecycle.Now) { Type = jobType, Queue = queue, Payload = body });
        await store.FlushAsync(cancellationToken).ConfigureAwait(false);
        forwarder?.Wake();
        return new JobReceipt(jobId, queue, QueuedLocally: true);
    }

    /// <summary>Sends a prepared message (a dead-letter replay) on the queue's shared sender.</summary>
    internal async Task SendMessageAsync(string queue, Message message, CancellationToken cancellationToken)
    {
        var sender = await GetSenderAsync(queue, cancellationToken).ConfigureAwait(false);
        await sender.SendAsync(message).WaitAsync(connection.OperationTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A failure that says nothing reached the broker (or nothing came back): timeouts, socket errors, the connection or
    /// link forced closed. A broker's refusal (not-found, unauthorized, quota) is not one: the caller gets it.
    /// </summary>
    internal static bool IsUnreachable(Exception ex) => ex switch
    {
        OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException or IOException => true,
        AmqpException amqp => amqp.Error?.Condition is { } condition
            && (condition.Equals(ErrorCode.ConnectionForced) || condition.Equals(ErrorCode.DetachForced) || condition.Equals(ErrorCode.ConnectionRedirect)),
        _ => false,
    };
}
