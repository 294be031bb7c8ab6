using System.Collections.Concurrent;
using System.Text.Json;
using Amqp;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

internal sealed partial class JobClient(AmqpServiceBusConnection connection, FerryJobsOptions options, ILogger<JobClient> logger, JobLifecycle lifecycle,
    Store.JobForwarder? forwarder = null) : IJobClient, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<SenderLink>>> _senders = new(StringComparer.OrdinalIgnoreCase);

    public Task<string> SubmitAsync<TPayload>(TPayload payload, string? jobId = null, CancellationToken cancellationToken = default) =>
        SubmitToAsync(options.QueueFor(typeof(TPayload)), payload, jobId, cancellationToken);

    public async Task<string> SubmitAsync<TPayload>(TPayload payload, int priority, string? jobId = null, CancellationToken cancellationToken = default)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(payload, options.SerializerOptions);
        var receipt = await SubmitRawAsync(options.QueueFor(typeof(TPayload)), options.JobTypeFor(typeof(TPayload)), body, jobId, cancellationToken, priority)
            .ConfigureAwait(false);
        return receipt.JobId;
    }

    public async Task<string> SubmitToAsync<TPayload>(string queue, TPayload payload, string? jobId = null, CancellationToken cancellationToken = default) =>
        (await SubmitJobToAsync(queue, payload, jobId, cancellationToken).ConfigureAwait(false)).JobId;

    /// <summary>Sends one job message (MessageId = job id), again on a new link when the link closed under it.</summary>
    internal async Task SendAsync(string queue, string jobType, byte[] body, string jobId, CancellationToken cancellationToken, string? messageId = null,
        int? priority = null)
    {
        using var activity = JobTelemetry.StartSubmit(jobType, queue, jobId);
        for (var attempt = 1; ; attempt++)
        {
            var sender = await GetSenderAsync(queue, cancellationToken).ConfigureAwait(false);
            try
            {
                var message = JobMessages.Create(body, jobId, jobType, messageId);
                if (priority is { } p)
                    message.ApplicationProperties[JobMessages.PriorityProperty] = p;
                await sender.SendAsync(message).WaitAsync(connection.OperationTimeout, cancellationToken).ConfigureAwait(false);
                JobTelemetry.RecordSubmitted(jobType);
                return;
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
