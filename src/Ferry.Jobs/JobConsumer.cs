using System.Collections.Concurrent;
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
    private const string Completed = "completed";
    private const string Abandoned = "abandoned";
    private const string Suspended = "suspended";

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
            await SettleAsync(delivery.Link, delivery.Message, static (l, m) => l.Modify(m, false, false), Abandoned).ConfigureAwait(false);
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

    private async Task ReceiveLoopAsync()
    {
        var token = _stopping.Token;
        for (var failures = 0; !token.IsCancellationRequested;)
        {
            try
            {
                var link = await _connection.CreateReceiverAsync(_job.Queue, token).ConfigureAwait(false);
                var closed = new TaskCompletionSource<Error?>(TaskCreationOptions.RunContinuationsAsynchronously);
                link.Closed += (_, error) => closed.TrySetResult(error);
                _link = link;
                link.Start(_job.Credit, (receiver, message) => _deliveries.Writer.TryWrite(((ReceiverLink)receiver, message)));
                if (link.IsClosed)
                    closed.TrySetResult(link.Error);
                failures = 0;
                var error = await closed.Task.WaitAsync(token).ConfigureAwait(false);
                _logger.LogWarning("Job type {JobType}: the receiver on {Queue} closed ({Condition} {Description}); re-attaching.",
                    _job.JobType, _job.Queue, error?.Condition, error?.Description);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                _logger.LogWarning(ex, "Job type {JobType}: attaching a receiver to {Queue} failed.", _job.JobType, _job.Queue);
            }
            try
            {
                await Task.Delay(Backoff.Delay(failures, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30), 0.2), _time, token)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

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

        if (failure is null)
        {
            await SettleAsync(link, message, static (l, m) => l.Accept(m), Completed).ConfigureAwait(false);
            Report(delivery, JobOutcomeKind.Completed);
        }
        else if (_stopping.IsCancellationRequested)
        {
            _logger.LogInformation("Job {JobId} ({JobType}) attempt {Attempt} was interrupted by shutdown; abandoning it.", jobId, _job.JobType,
                delivery.Attempt);
            await SettleAsync(link, message, static (l, m) => l.Modify(m, false, false), Abandoned).ConfigureAwait(false);
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
            await RetryAsync(link, message, delivery, delay).ConfigureAwait(false);
            Report(delivery, JobOutcomeKind.Retrying, delay, failure);
        }
    }

    private async Task RetryAsync(ReceiverLink link, Message message, JobDelivery delivery, TimeSpan delay)
    {
        if (_connection.SupportsAbandonWithDelay)
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
            var management = await _connection.GetManagementClientAsync(_job.Queue, _stopping.Token).ConfigureAwait(false);
            var copy = JobMessages.RetryCopy(message, delivery.JobId, delivery.Attempt);
            await management.ScheduleMessageAsync(copy, _time.GetUtcNow() + delay, _stopping.Token).ConfigureAwait(false);
            await SettleAsync(link, message, static (l, m) => l.Accept(m), Completed).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Could not schedule: abandon so the broker redelivers (its delivery count still counts the attempt).
            _logger.LogWarning(ex, "Job {JobId} ({JobType}): scheduling the retry failed; abandoning the message instead.", delivery.JobId,
                _job.JobType);
            await SettleAsync(link, message, static (l, m) => l.Modify(m, false, false), Abandoned).ConfigureAwait(false);
        }
    }

    private async Task DeadLetterAsync(ReceiverLink link, Message message, JobDelivery delivery, Exception reason, Exception? reported = null)
    {
        var type = JobMessages.Truncate(reason.GetType().FullName ?? reason.GetType().Name, 1024);
        var text = JobMessages.Truncate(reason.Message, 1024);
        var error = JobMessages.DeadLetterError(type, text);
        await SettleAsync(link, message, (l, m) => l.Reject(m, error), Suspended, type, text).ConfigureAwait(false);
        Report(delivery, JobOutcomeKind.DeadLettered, exception: reported ?? reason);
    }

    /// <summary>
    /// Settles on the link the message came on; when that link is gone (the connection failed and was re-opened), settles
    /// by lock token through <c>$management</c> update-disposition instead, so a job that finished is not run again.
    /// </summary>
    private async Task SettleAsync(ReceiverLink link, Message message, Action<ReceiverLink, Message> settle, string status,
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
                _logger.LogDebug(ex, "Job type {JobType}: settling on the receive link failed; settling through $management.", _job.JobType);
            }
        }
        var lockToken = JobMessages.LockToken(message);
        try
        {
            var management = await _connection.GetManagementClientAsync(_job.Queue, CancellationToken.None)
                .WaitAsync(_connection.OperationTimeout).ConfigureAwait(false);
            await management.UpdateDispositionAsync(lockToken, status, reason, description).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The lock is gone too: the broker redelivers the message (counting the delivery).
            _logger.LogWarning(ex, "Job type {JobType}: settling message {LockToken} ({Status}) failed; it will be redelivered.", _job.JobType,
                lockToken, status);
        }
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
