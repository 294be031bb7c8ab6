using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs.Store;

/// <summary>
/// Store-and-forward: sends the jobs kept in the store (QueuedLocally) once the broker takes messages again, oldest
/// first, each with its job id as MessageId (so a queue with duplicate detection keeps one copy if the first submit did
/// reach the broker after all), and marks each Forwarded. Runs at start (jobs kept by an earlier run) and whenever a
/// submit keeps a job; while the broker is unreachable it waits for the connection, and on other failures it tries
/// again with backoff. A job the broker refuses (its queue is gone, say) is recorded Failed with the broker's error and
/// skipped, so it cannot hold back the jobs behind it.
/// </summary>
internal sealed class JobForwarder(IJobStore store, IServiceProvider services, JobLifecycle lifecycle, ILogger<JobForwarder> logger) : IHostedService, IDisposable
{
    private const int BatchSize = 100;

    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private volatile bool _backlog;

    /// <summary>True from the moment a submit keeps a job until the forwarder reads no kept job from the store.</summary>
    public bool HasBacklog => _backlog;

    /// <summary>Called before a job is kept: later submits are kept too until the forwarder has caught up.</summary>
    public void MarkBacklog() => _backlog = true;

    /// <summary>Asks the forwarder to look at the store now.</summary>
    public void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
                _wake.Release();
        }
        catch (SemaphoreFullException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(LoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _wake.Dispose();
    }

    private async Task LoopAsync()
    {
        var token = _stopping.Token;
        var client = services.GetRequiredService<JobClient>();
        for (var failures = 0; !token.IsCancellationRequested;)
        {
            try
            {
                var handled = await ForwardBatchAsync(client, token).ConfigureAwait(false);
                failures = 0;
                if (handled > 0)
                    continue;
                // The store holds no kept job. One kept from here on released the semaphore, so the next round picks it up.
                _backlog = false;
                await _wake.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = Backoff.Delay(failures, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), 0.2);
                logger.LogWarning(ex, "Forwarding jobs kept in the store failed (attempt {Attempt}); trying again in {Delay}.", failures, delay);
                try
                {
                    await Task.Delay(delay, lifecycle.Time, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<int> ForwardBatchAsync(JobClient client, CancellationToken cancellationToken)
    {
        var jobs = await store.GetQueuedLocallyAsync(BatchSize, cancellationToken).ConfigureAwait(false);
        if (jobs.Count > 0)
            _backlog = true;
        var handled = 0;
        try
        {
            foreach (var job in jobs)
            {
                try
                {
                    // Waits while the connection reconnects: the connection's own backoff paces the retries.
                    await client.SendAsync(job.Queue, job.Type, job.Payload.ToArray(), job.Id, cancellationToken).ConfigureAwait(false);
                    store.Append(new JobEvent(JobEventKind.Forwarded, job.Id, lifecycle.Now) { Type = job.Type, Queue = job.Queue });
                    logger.LogInformation("Forwarded job {JobId} to {Queue}.", job.Id, job.Queue);
                }
                catch (Exception ex) when (!JobClient.IsUnreachable(ex))
                {
                    logger.LogError(ex, "The broker refused job {JobId} kept for {Queue}; it is recorded Failed and not forwarded.", job.Id, job.Queue);
                    var error = ex is Amqp.AmqpException { Error: { } amqp } ? $"{amqp.Condition}: {amqp.Description}" : ex.Message;
                    store.Append(new JobEvent(JobEventKind.Failed, job.Id, lifecycle.Now)
                        { Type = job.Type, Queue = job.Queue, ErrorType = ex.GetType().FullName, ErrorMessage = JobMessages.Truncate(error, 1024) });
                }
                handled++;
            }
        }
        finally
        {
            // Committed before the next read of QueuedLocally jobs, so nothing sent is read (and sent) again.
            if (handled > 0)
                await store.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        return handled;
    }
}
