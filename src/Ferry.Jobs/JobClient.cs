using System.Collections.Concurrent;
using System.Text.Json;
using Amqp;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

internal sealed class JobClient(AmqpServiceBusConnection connection, FerryJobsOptions options, ILogger<JobClient> logger) : IJobClient, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<SenderLink>>> _senders = new(StringComparer.OrdinalIgnoreCase);

    public Task<string> SubmitAsync<TPayload>(TPayload payload, string? jobId = null, CancellationToken cancellationToken = default) =>
        SubmitToAsync(options.QueueFor(typeof(TPayload)), payload, jobId, cancellationToken);

    public Task<string> SubmitAsync<TPayload>(TPayload payload, int priority, string? jobId = null, CancellationToken cancellationToken = default) =>
        SendAsync(options.QueueFor(typeof(TPayload)), payload, jobId, priority, cancellationToken);

    public Task<string> SubmitToAsync<TPayload>(string queue, TPayload payload, string? jobId = null, CancellationToken cancellationToken = default) =>
        SendAsync(queue, payload, jobId, null, cancellationToken);

    private async Task<string> SendAsync<TPayload>(string queue, TPayload payload, string? jobId, int? priority, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        // Off the caller's synchronization context: AMQPNetLite resumes its own awaits on the captured one.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        if (jobId is { Length: 0 or > 128 })
            throw new ArgumentException("A job id is 1 to 128 characters (it becomes the MessageId).", nameof(jobId));
        jobId ??= Guid.NewGuid().ToString("N");
        var body = JsonSerializer.SerializeToUtf8Bytes(payload, options.SerializerOptions);
        var jobType = options.JobTypeFor(typeof(TPayload));

        for (var attempt = 1; ; attempt++)
        {
            var sender = await GetSenderAsync(queue, cancellationToken).ConfigureAwait(false);
            try
            {
                var message = JobMessages.Create(body, jobId, jobType);
                if (priority is { } p)
                    message.ApplicationProperties[JobMessages.PriorityProperty] = p;
                await sender.SendAsync(message).WaitAsync(connection.OperationTimeout, cancellationToken)
                    .ConfigureAwait(false);
                return jobId;
            }
            catch (Exception ex) when (attempt < 3 && sender.IsClosed && !cancellationToken.IsCancellationRequested)
            {
                // The link (or the connection under it) went away: send again on a new one. Broker refusals are not retried.
                logger.LogWarning(ex, "Submitting job {JobId} to {Queue} failed on a closed link; retrying.", jobId, queue);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        foreach (var sender in _senders.Values)
        {
            if (!sender.IsValueCreated || !sender.Value.IsCompletedSuccessfully)
                continue;
            await AmqpClose.QuietlyAsync(sender.Value.Result.Session).ConfigureAwait(false);
        }
        _senders.Clear();
    }

    private async Task<SenderLink> GetSenderAsync(string queue, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lazy = _senders.GetOrAdd(queue, q => new Lazy<Task<SenderLink>>(() => connection.CreateSenderAsync(q)));
            try
            {
                var sender = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (!sender.IsClosed)
                    return sender;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                _senders.TryRemove(new KeyValuePair<string, Lazy<Task<SenderLink>>>(queue, lazy));
                throw;
            }
            _senders.TryRemove(new KeyValuePair<string, Lazy<Task<SenderLink>>>(queue, lazy));
        }
    }
}
