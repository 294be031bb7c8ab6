using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

/// <summary>
/// Runs one job type: keeps a peek-lock receiver attached (re-attaching with backoff), hands messages to at most
/// Concurrency handlers, renews locks while they run, and settles each message on its outcome.
/// </summary>
internal sealed partial class JobConsumer : IDisposable
{
    private readonly JobRegistration _job;
    private readonly AmqpServiceBusConnection _connection;
    private readonly IServiceProvider _services;
    private readonly FerryJobsOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly JobLifecycle _lifecycle;
    private readonly Channel<(ReceiverLink Link, Message Message)> _deliveries = Channel.CreateUnbounded<(ReceiverLink, Message)>();
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly JobSettlement _settlement;
    private ReceiverLink? _link;
    private Task _receiveLoop = Task.CompletedTask;
    private Task _dispatchLoop = Task.CompletedTask;

    public JobConsumer(JobRegistration job, AmqpServiceBusConnection connection, IServiceProvider services, FerryJobsOptions options, ILogger logger,
        TimeProvider time)
    {
        _job = job;
        _connection = connection;
        _services = services;
        _options = options;
        _logger = logger;
        _time = time;
        _lifecycle = services.GetService<JobLifecycle>() ?? JobLifecycle.None;
        _slots = new SemaphoreSlim(job.Concurrency, job.Concurrency);
        _settlement = new JobSettlement(job, connection, logger, time, _stopping.Token);
    }

    public void Start()
    {
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        _dispatchLoop = Task.Run(DispatchLoopAsync);
    }

    /// <summary>
    /// Stops taking work, cancels running handlers and waits for them (each abandons its message), abandons messages that
    /// arrived but never started, then detaches.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var link = _link;
        if (link is { IsClosed: false })
        {
            try
            {
                link.SetCredit(0, true);
            }
            catch (Exception ex) when (ex is AmqpException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
        try
        {
            await Task.WhenAll(_receiveLoop, _dispatchLoop).ConfigureAwait(false);
            await Task.WhenAll(_running.Keys).WaitAsync(_options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            _logger.LogWarning("Job type {JobType}: {Count} handlers did not stop in time; their locks will expire.", _job.JobType, _running.Count);
        }
        while (_deliveries.Reader.TryRead(out var delivery))
            await _settlement.AbandonAsync(delivery.Link, delivery.Message).ConfigureAwait(false);
        if (link is not null)
            await AmqpClose.QuietlyAsync(link.Session).ConfigureAwait(false);
    }

    public void Dispose()
    {
        // Handlers that outlived the shutdown timeout still hold the token and a slot.
        if (!_running.IsEmpty)
            return;
        _stopping.Dispose();
        _slots.Dispose();
    }

    private Task ReceiveLoopAsync() => AttachedReceiver.RunAsync(_connection, _job.Queue, _job.Credit, _deliveries.Writer,
        link => _link = link, "Job type", _job.JobType, _logger, _time, _stopping.Token);

    private async Task DispatchLoopAsync()
    {
        var token = _stopping.Token;
        while (true)
        {
            try
            {
                await _slots.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            (ReceiverLink Link, Message Message) delivery;
            try
            {
                delivery = await _deliveries.Reader.ReadAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _slots.Release();
                return;
            }
            var task = ProcessAsync(delivery.Link, delivery.Message);
            _running.TryAdd(task, 0);
            _ = task.ContinueWith(t =>
            {
                _running.TryRemove(t, out _);
                _slots.Release();
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ProcessAsync(ReceiverLink link, Message message)
    {
        await Task.Yield();
        var properties = JobMessages.ApplicationProperties(message);
        var messageId = message.Properties?.MessageId;
        var jobId = properties.TryGetValue(JobMessages.JobIdProperty, out var id) && id is string s ? s : messageId ?? "";
        var attemptsBefore = properties.TryGetValue(JobMessages.AttemptsProperty, out var before) ? JobMessages.ToInt(before) : 0;
        var delivery = new JobDelivery
        {
            JobId = jobId,
            JobType = _job.JobType,
            Queue = _job.Queue,
            Attempt = attemptsBefore + JobMessages.PreviousDeliveries(message) + 1,
            MaxAttempts = _job.Retry.MaxAttempts,
            MessageId = messageId,
            SequenceNumber = JobMessages.SequenceNumberOf(message),
            EnqueuedTime = JobMessages.EnqueuedTimeOf(message),
            LockedUntil = JobMessages.LockedUntilOf(message),
            Properties = properties,
        };

        object? payload;
        try
        {
            payload = _job.Deserialize(JobMessages.Body(message), _options.SerializerOptions);
            if (payload is null && _job.PayloadType.IsValueType is false)
                throw new FormatException("The job payload is null.");
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Job {JobId} ({JobType}) has an unreadable payload; dead-lettering it.", jobId, _job.JobType);
            await DeadLetterAsync(link, message, delivery, ex).ConfigureAwait(false);
            return;
        }

        if (!await BeginAttemptAsync(link, message, delivery).ConfigureAwait(false))
            return;

        using var activity = JobTelemetry.StartProcess(_job, message, delivery);
        var started = _time.GetTimestamp();
        using var handlerCancellation = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        using var renewalCancellation = new CancellationTokenSource();
        var renewal = _job.AutoRenewLock && delivery.LockedUntil is not null
            ? RenewLockAsync(JobMessages.LockToken(message), delivery, renewalCancellation.Token)
            : Task.CompletedTask;
        Exception? failure = null;
        try
        {
            await _job.InvokeAsync(_services, payload, delivery, handlerCancellation.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            await renewalCancellation.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }
        JobTelemetry.RecordDuration(_job.JobType, _time.GetElapsedTime(started), failure is null);
        if (failure is not null)
            activity?.SetStatus(ActivityStatusCode.Error, $"{failure.GetType().Name}: {failure.Message}");

        if (failure is null)
        {
            await _settlement.CompleteAsync(link, message).ConfigureAwait(false);
            Report(delivery, JobOutcomeKind.Completed);
        }
        else if (_stopping.IsCancellationRequested)
        {
            _logger.LogInformation("Job {JobId} ({JobType}) attempt {Attempt} was interrupted by shutdown; abandoning it.", jobId, _job.JobType,
                delivery.Attempt);
            await _settlement.AbandonAsync(link, message).ConfigureAwait(false);
            Report(delivery, JobOutcomeKind.Abandoned, exception: failure);
        }
        else if (failure is PermanentJobException || _job.Retry.IsPermanent?.Invoke(failure) == true)
        {
            _logger.LogWarning(failure, "Job {JobId} ({JobType}) failed permanently on attempt {Attempt}; dead-lettering it.", jobId, _job.JobType,
                delivery.Attempt);
            await DeadLetterAsync(link, message, delivery, failure is PermanentJobException { InnerException: { } inner } ? inner : failure, failure)
                .ConfigureAwait(false);
        }
        else if (delivery.Attempt >= _job.Retry.MaxAttempts)
        {
            _logger.LogWarning(failure, "Job {JobId} ({JobType}) failed on its last attempt ({Attempt}/{MaxAttempts}); dead-lettering it.", jobId,
                _job.JobType, delivery.Attempt, _job.Retry.MaxAttempts);
            await DeadLetterAsync(link, message, delivery, failure).ConfigureAwait(false);
        }
        else
        {
            var delay = _job.Retry.GetDelay(delivery.Attempt);
            _logger.LogInformation(failure, "Job {JobId} ({JobType}) failed on attempt {Attempt}/{MaxAttempts}; retrying in {Delay}.", jobId,
                _job.JobType, delivery.Attempt, _job.Retry.MaxAttempts, delay);
            await _settlement.RetryAsync(link, message, delivery, delay).ConfigureAwait(false);
            Report(delivery, JobOutcomeKind.Retrying, delay, failure);
        }
    }

    private async Task DeadLetterAsync(ReceiverLink link, Message message, JobDelivery delivery, Exception reason, Exception? reported = null)
    {
        try
        {
            await _job.BeforeDeadLetterAsync(_services, delivery, reason, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The job type could not record its final failure (a pipeline task reports it to its coordinator first):
            // abandon, so a later delivery tries again rather than the failure going unrecorded.
            _logger.LogWarning(ex, "Job {JobId} ({JobType}): recording the final failure failed; abandoning the message instead.", delivery.JobId,
                _job.JobType);
            await _settlement.AbandonAsync(link, message).ConfigureAwait(false);
            Report(delivery, JobOutcomeKind.Abandoned, exception: reported ?? reason);
            return;
        }
        await _settlement.DeadLetterAsync(link, message, reason).ConfigureAwait(false);
        Report(delivery, JobOutcomeKind.DeadLettered, exception: reported ?? reason);
    }

    private async Task RenewLockAsync(Guid lockToken, JobDelivery delivery, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _job.MaxLockRenewalDuration;
        try
        {
            while (true)
            {
                var now = _time.GetUtcNow();
                var remaining = (delivery.LockedUntil ?? now) - now;
                var wait = remaining / 2;
                if (wait < TimeSpan.FromMilliseconds(200))
                    wait = TimeSpan.FromMilliseconds(200);
                if (now + wait > deadline)
                    return;
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                try
                {
                    var management = await _connection.GetManagementClientAsync(_job.Queue, cancellationToken).ConfigureAwait(false);
                    delivery.LockedUntil = await management.RenewLockAsync(lockToken, cancellationToken).ConfigureAwait(false);
                    _logger.LogDebug("Job {JobId}: lock renewed until {LockedUntil}.", delivery.JobId, delivery.LockedUntil);
                }
                catch (ServiceBusRequestException ex) when (ex.IsLockLost)
                {
                    _logger.LogWarning("Job {JobId} ({JobType}): the lock was lost; the message will be redelivered.", delivery.JobId, _job.JobType);
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogWarning(ex, "Job {JobId} ({JobType}): renewing the lock failed; trying again.", delivery.JobId, _job.JobType);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Report(JobDelivery delivery, JobOutcomeKind kind, TimeSpan? delay = null, Exception? exception = null)
    {
        JobTelemetry.RecordOutcome(_job.JobType, kind);
        if (_lifecycle.IsEnabled)
            Record(delivery, kind, exception);
        try
        {
            _options.OnOutcome?.Invoke(new JobOutcome(_job.JobType, _job.Queue, delivery.JobId, delivery.Attempt, kind, delay, exception));
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "The OnOutcome callback threw.");
        }
    }
}
