using System.Collections.Concurrent;
using System.Threading.Channels;
using Amqp;
using Amqp.Framing;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

/// <summary>
/// Runs one batch job type: keeps a peek-lock receiver attached with credit <c>max(MaxBatchSize × Concurrency,
/// Prefetch)</c>, cuts batches (size, token budget, timeout; highest priority first among the messages held), runs up to
/// Concurrency batches at once, renews their locks, and settles every item on its own outcome.
/// </summary>
internal sealed class BatchConsumer : IDisposable
{
    private readonly BatchJobRegistration _job;
    private readonly AmqpServiceBusConnection _connection;
    private readonly IServiceProvider _services;
    private readonly FerryJobsOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<(ReceiverLink Link, Message Message)> _deliveries = Channel.CreateUnbounded<(ReceiverLink, Message)>();
    private readonly List<Pending> _buffer = [];
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly JobSettlement _settlement;
    private ReceiverLink? _link;
    private Task _receiveLoop = Task.CompletedTask;
    private Task _batchLoop = Task.CompletedTask;

    public BatchConsumer(BatchJobRegistration job, AmqpServiceBusConnection connection, IServiceProvider services, FerryJobsOptions options,
        ILogger logger, TimeProvider time)
    {
        _job = job;
        _connection = connection;
        _services = services;
        _options = options;
        _logger = logger;
        _time = time;
        _slots = new SemaphoreSlim(job.Concurrency, job.Concurrency);
        _settlement = new JobSettlement(job, connection, logger, time, _stopping.Token);
    }

    public void Start()
    {
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        _batchLoop = Task.Run(BatchLoopAsync);
    }

    /// <summary>Stops taking work, cancels running batches (their items are abandoned), abandons what is held, detaches.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_link is { IsClosed: false } link)
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
            await Task.WhenAll(_receiveLoop, _batchLoop).ConfigureAwait(false);
            await Task.WhenAll(_running.Keys).WaitAsync(_options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            _logger.LogWarning("Batch job type {JobType}: {Count} batches did not stop in time; their locks will expire.", _job.JobType, _running.Count);
        }
        foreach (var pending in _buffer)
            await _settlement.AbandonAsync(pending.Link, pending.Message).ConfigureAwait(false);
        _buffer.Clear();
        while (_deliveries.Reader.TryRead(out var delivery))
            await _settlement.AbandonAsync(delivery.Link, delivery.Message).ConfigureAwait(false);
        if (_link is not null)
            await AmqpClose.QuietlyAsync(_link.Session).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (!_running.IsEmpty)
            return;
        _stopping.Dispose();
        _slots.Dispose();
    }

    private Task ReceiveLoopAsync() => AttachedReceiver.RunAsync(_connection, _job.Queue, _job.BatchCredit, _deliveries.Writer,
        link => _link = link, "Batch job type", _job.JobType, _logger, _time, _stopping.Token);

    private async Task BatchLoopAsync()
    {
        var token = _stopping.Token;
        try
        {
            while (true)
            {
                await _slots.WaitAsync(token).ConfigureAwait(false);
                List<Pending> batch;
                try
                {
                    batch = await CutBatchAsync(token).ConfigureAwait(false);
                }
                catch
                {
                    _slots.Release();
                    throw;
                }
                var task = RunBatchAsync(batch);
                _running.TryAdd(task, 0);
                _ = task.ContinueWith(t =>
                {
                    _running.TryRemove(t, out _);
                    _slots.Release();
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Fills the buffer until it holds MaxBatchSize items or the token budget, or BatchTimeout has passed since the
    /// batch's first item; then takes from it, highest priority first (then sequence number), as many as fit. The rest
    /// stay for the next batch.
    /// </summary>
    private async Task<List<Pending>> CutBatchAsync(CancellationToken token)
    {
        var reader = _deliveries.Reader;
        while (_buffer.Count == 0)
        {
            var delivery = await reader.ReadAsync(token).ConfigureAwait(false);
            await AddAsync(delivery.Link, delivery.Message).ConfigureAwait(false);
        }
        var deadline = _time.GetUtcNow() + _job.BatchTimeout;
        while (!IsFull())
        {
            if (reader.TryRead(out var ready))
            {
                await AddAsync(ready.Link, ready.Message).ConfigureAwait(false);
                continue;
            }
            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
                break;
            try
            {
                // WaitToReadAsync takes nothing, so giving up on it at the deadline loses no message.
                await reader.WaitToReadAsync(token).AsTask().WaitAsync(remaining, _time, token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                break;
            }
        }

        _buffer.Sort(static (a, b) => a.Item.Priority != b.Item.Priority
            ? b.Item.Priority.CompareTo(a.Item.Priority)
            : a.Item.Delivery.SequenceNumber.CompareTo(b.Item.Delivery.SequenceNumber));
        var batch = new List<Pending>(Math.Min(_buffer.Count, _job.MaxBatchSize));
        long tokens = 0;
        foreach (var pending in _buffer)
        {
            if (batch.Count == _job.MaxBatchSize)
                break;
            // Stop at the first item that does not fit rather than skip it: priority order holds, and a large item is
            // not passed over for ever. An item over the whole budget runs alone.
            if (_job.TokenBudget is { } budget && batch.Count > 0 && tokens + pending.Item.Tokens > budget)
                break;
            batch.Add(pending);
            tokens += pending.Item.Tokens;
        }
        _buffer.RemoveRange(0, batch.Count);
        return batch;
    }

    private bool IsFull()
    {
        if (_buffer.Count >= _job.MaxBatchSize)
            return true;
        if (_job.TokenBudget is not { } budget)
            return false;
        long tokens = 0;
        foreach (var pending in _buffer)
            tokens += pending.Item.Tokens;
        return tokens >= budget;
    }

    /// <summary>Reads a delivery into the buffer; an unreadable payload (or a throwing estimator) is dead-lettered at once.</summary>
    private async Task AddAsync(ReceiverLink link, Message message)
    {
        var properties = JobMessages.ApplicationProperties(message);
        var messageId = message.Properties?.MessageId;
        var jobId = properties.TryGetValue(JobMessages.JobIdProperty, out var id) && id is string s ? s : messageId ?? "";
        var attemptsBefore = properties.TryGetValue(JobMessages.AttemptsProperty, out var before) ? JobMessages.ToInt(before) : 0;
        var priority = properties.TryGetValue(JobMessages.PriorityProperty, out var p) ? JobMessages.ToInt(p) : 0;
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
        try
        {
            var payload = _job.Deserialize(JobMessages.Body(message), _options.SerializerOptions);
            if (payload is null && !_job.PayloadType.IsValueType)
                throw new FormatException("The job payload is null.");
            _buffer.Add(new Pending(link, message, _job.CreateItem(payload, delivery, priority, _job.EstimateTokens(payload))));
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Job {JobId} ({JobType}) has an unreadable payload; dead-lettering it.", jobId, _job.JobType);
            await _settlement.DeadLetterAsync(link, message, ex).ConfigureAwait(false);
            Report(delivery, JobOutcomeKind.DeadLettered, exception: ex);
        }
    }

    private async Task RunBatchAsync(List<Pending> batch)
    {
        await Task.Yield();
        var items = new BatchItemBox[batch.Count];
        long tokens = 0;
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = batch[i].Item;
            tokens += items[i].Tokens;
        }
        using var renewalCancellation = new CancellationTokenSource();
        var renewal = _job.AutoRenewLock ? RenewLocksAsync(batch, renewalCancellation.Token) : Task.CompletedTask;
        Exception? failure = null;
        try
        {
            await _job.InvokeBatchAsync(_services, items, tokens, _stopping.Token).ConfigureAwait(false);
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

        if (failure is not null && _stopping.IsCancellationRequested)
        {
            _logger.LogInformation("Batch of {Count} ({JobType}) was interrupted by shutdown; abandoning it.", batch.Count, _job.JobType);
            foreach (var pending in batch)
            {
                await _settlement.AbandonAsync(pending.Link, pending.Message).ConfigureAwait(false);
                Report(pending.Item.Delivery, JobOutcomeKind.Abandoned, exception: failure);
            }
            return;
        }
        if (failure is not null)
        {
            _logger.LogWarning(failure, "Batch of {Count} ({JobType}) threw; every item not marked fails this attempt.", batch.Count, _job.JobType);
            foreach (var item in items)
            {
                if (item.Status == BatchItemStatus.Succeeded)
                    item.Fail(failure);
            }
        }
        foreach (var pending in batch)
            await SettleAsync(pending).ConfigureAwait(false);
    }

    private async Task SettleAsync(Pending pending)
    {
        var item = pending.Item;
        var delivery = item.Delivery;
        var error = item.Error;
        switch (item.Status)
        {
            case BatchItemStatus.Succeeded:
                await _settlement.CompleteAsync(pending.Link, pending.Message).ConfigureAwait(false);
                Report(delivery, JobOutcomeKind.Completed);
                return;
            case BatchItemStatus.FailedPermanently:
            case BatchItemStatus.Failed when error is PermanentJobException || _job.Retry.IsPermanent?.Invoke(error!) == true:
            case BatchItemStatus.Failed when delivery.Attempt >= _job.Retry.MaxAttempts:
                var reason = error is PermanentJobException { InnerException: { } inner } ? inner : error!;
                _logger.LogWarning(error, "Job {JobId} ({JobType}) failed for good on attempt {Attempt}; dead-lettering it.", delivery.JobId, _job.JobType,
                    delivery.Attempt);
                await _settlement.DeadLetterAsync(pending.Link, pending.Message, reason).ConfigureAwait(false);
                Report(delivery, JobOutcomeKind.DeadLettered, exception: error);
                return;
            default:
                var delay = _job.Retry.GetDelay(delivery.Attempt);
                await _settlement.RetryAsync(pending.Link, pending.Message, delivery, delay).ConfigureAwait(false);
                Report(delivery, JobOutcomeKind.Retrying, delay, error);
                return;
        }
    }

    /// <summary>Renews every item's lock at half the earliest remaining lock time, for at most MaxLockRenewalDuration.</summary>
    private async Task RenewLocksAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _job.MaxLockRenewalDuration;
        try
        {
            while (true)
            {
                var now = _time.GetUtcNow();
                var earliest = DateTimeOffset.MaxValue;
                foreach (var pending in batch)
                {
                    if (pending.Item.Delivery.LockedUntil is { } until && until < earliest)
                        earliest = until;
                }
                if (earliest == DateTimeOffset.MaxValue)
                    return;
                var wait = (earliest - now) / 2;
                if (wait < TimeSpan.FromMilliseconds(200))
                    wait = TimeSpan.FromMilliseconds(200);
                if (now + wait > deadline)
                    return;
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                var management = await _connection.GetManagementClientAsync(_job.Queue, cancellationToken).ConfigureAwait(false);
                foreach (var pending in batch)
                {
                    var delivery = pending.Item.Delivery;
                    if (delivery.LockedUntil is null)
                        continue;
                    try
                    {
                        delivery.LockedUntil = await management.RenewLockAsync(JobMessages.LockToken(pending.Message), cancellationToken).ConfigureAwait(false);
                    }
                    catch (ServiceBusRequestException ex) when (ex.IsLockLost)
                    {
                        _logger.LogWarning("Job {JobId} ({JobType}): the lock was lost; the message will be redelivered.", delivery.JobId, _job.JobType);
                        delivery.LockedUntil = null;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        _logger.LogWarning(ex, "Job {JobId} ({JobType}): renewing the lock failed; trying again.", delivery.JobId, _job.JobType);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Batch job type {JobType}: lock renewal stopped; the locks may expire.", _job.JobType);
        }
    }

    private void Report(JobDelivery delivery, JobOutcomeKind kind, TimeSpan? delay = null, Exception? exception = null)
    {
        try
        {
            _options.OnOutcome?.Invoke(new JobOutcome(_job.JobType, _job.Queue, delivery.JobId, delivery.Attempt, kind, delay, exception));
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "The OnOutcome callback threw.");
        }
    }

    private sealed record Pending(ReceiverLink Link, Message Message, BatchItemBox Item);
}
