using System.Text.Json;
using System.Threading.Channels;
using Amqp;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

/// <summary>
/// Coordinates one pipeline's jobs: up to CoordinatorConcurrency session receivers on the control queue, each holding
/// one job's session at a time. For a batch of events it applies them to the session state (bitmap, counts, results),
/// dispatches the next stage when one fans in, writes the state, and only then completes the events. The order makes
/// every crash point safe (docs/jobs.md, "Crash points").
/// </summary>
internal sealed class PipelineCoordinator : IDisposable
{
    private static readonly TimeSpan AcceptWait = TimeSpan.FromSeconds(10);

    private readonly PipelineRegistration _pipeline;
    private readonly AmqpServiceBusConnection _connection;
    private readonly EntitySenders _senders;
    private readonly IPipelineObserver[] _observers;
    private readonly FerryJobsOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    public PipelineCoordinator(PipelineRegistration pipeline, AmqpServiceBusConnection connection, EntitySenders senders,
        IEnumerable<IPipelineObserver> observers, FerryJobsOptions options, ILogger logger, TimeProvider time)
    {
        _pipeline = pipeline;
        _connection = connection;
        _senders = senders;
        _observers = [.. observers];
        _options = options;
        _logger = logger;
        _time = time;
    }

    public void Start()
    {
        for (var i = 0; i < _pipeline.CoordinatorConcurrency; i++)
            _loops.Add(Task.Run(SessionLoopAsync));
    }

    /// <summary>Stops at once: a batch being applied is dropped unsettled, and its events come back to the next coordinator.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).WaitAsync(_options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            _logger.LogWarning("Pipeline {Pipeline}: coordinators did not stop in time.", _pipeline.Name);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task SessionLoopAsync()
    {
        var token = _stopping.Token;
        for (var failures = 0; !token.IsCancellationRequested;)
        {
            SessionReceiver? session = null;
            try
            {
                session = await _connection.AcceptNextSessionAsync(_pipeline.ControlQueue, AcceptWait, token).ConfigureAwait(false);
                if (session is null)
                    continue;
                failures = 0;
                await RunSessionAsync(session, token).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                _logger.LogWarning(ex, "Pipeline {Pipeline}: coordinating job {JobId} failed; its events will be taken again.", _pipeline.Name,
                    session?.SessionId);
            }
            finally
            {
                if (session is not null)
                    await AmqpClose.QuietlyAsync(session.Link.Session).ConfigureAwait(false);
            }
            try
            {
                await Task.Delay(Backoff.Delay(failures, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), 0.2), _time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunSessionAsync(SessionReceiver session, CancellationToken stopping)
    {
        var jobId = session.SessionId;
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var events = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
        session.Link.Closed += (_, _) => events.Writer.TryComplete();
        var management = await _connection.GetManagementClientAsync(_pipeline.ControlQueue, held.Token).ConfigureAwait(false);
        var renewal = RenewSessionLockAsync(management, session, held);
        try
        {
            var job = new JobRun(jobId, PipelineState.Deserialize(await management.GetSessionStateAsync(jobId, held.Token).ConfigureAwait(false)));
            session.Link.Start(_pipeline.EventBatchSize, (_, message) => events.Writer.TryWrite(message));
            var batch = new List<Message>(_pipeline.EventBatchSize);
            while (true)
            {
                try
                {
                    if (!await events.Reader.WaitToReadAsync(held.Token).AsTask().WaitAsync(_pipeline.SessionIdleTimeout, _time, held.Token)
                        .ConfigureAwait(false))
                        return; // the link closed (session lock lost): the events come back to whoever takes the session next
                }
                catch (TimeoutException)
                {
                    return; // idle: release the session
                }
                batch.Clear();
                while (batch.Count < _pipeline.EventBatchSize && events.Reader.TryRead(out var message))
                    batch.Add(message);
                if (batch.Count < _pipeline.EventBatchSize && _pipeline.EventLinger > TimeSpan.Zero)
                {
                    // Outcomes trickle in as tasks finish: linger a moment so one state write covers many of them.
                    try
                    {
                        await Task.Delay(_pipeline.EventLinger, _time, held.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    while (batch.Count < _pipeline.EventBatchSize && events.Reader.TryRead(out var message))
                        batch.Add(message);
                }

                // 1. Apply (dispatching the next stage's tasks, with deterministic ids, when a stage fans in).
                var changed = false;
                job.Progressed = false;
                foreach (var message in batch)
                    changed |= await ApplyAsync(job, message, held.Token).ConfigureAwait(false);
                // 2. Record: the bitmap, counts, results and any transition, in one state write.
                if (changed)
                    await management.SetSessionStateAsync(jobId, job.State!.Serialize(), held.Token).ConfigureAwait(false);
                if (job.Progressed)
                    job.AfterRecord.Add(Event(PipelineEventKind.Progress, job));
                foreach (var recorded in job.AfterRecord)
                    await NotifyAsync(recorded).ConfigureAwait(false);
                job.AfterRecord.Clear();
                // 3. Complete the events (a crash before this redelivers them; the bitmap makes them no-ops).
                foreach (var message in batch)
                    session.Link.Accept(message);
                // A finished job's session is released at once: only stale repeats can still arrive for it.
                if (job.State is { Status: not PipelineState.Running } && !events.Reader.TryPeek(out _))
                    return;
            }
        }
        finally
        {
            await held.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }
    }

    private async Task<bool> ApplyAsync(JobRun job, Message message, CancellationToken cancellationToken)
    {
        // A step of the job's trace: the next stage's tasks, sent from here, carry this span's context.
        using var activity = JobTelemetry.StartProcess($"{_pipeline.Name}/coordinator", _pipeline.ControlQueue, job.JobId, message);
        var properties = JobMessages.ApplicationProperties(message);
        var kind = properties.TryGetValue(PipelineMessages.EventProperty, out var k) ? k as string : null;
        if (kind == PipelineMessages.Start)
        {
            if (job.State is not null)
                return false; // a repeated start
            job.State = new PipelineState { Input = JsonSerializer.Deserialize<JsonElement>(JobMessages.Body(message)) };
            job.AfterRecord.Add(Event(PipelineEventKind.Started, job));
            await BeginStageAsync(job, 0, null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        if (kind is not (PipelineMessages.Done or PipelineMessages.Failed))
        {
            _logger.LogWarning("Pipeline {Pipeline}: message {MessageId} in job {JobId} is not a pipeline event; ignoring it.", _pipeline.Name,
                message.Properties?.MessageId, job.JobId);
            return false;
        }
        var state = job.State;
        var stageIndex = properties.TryGetValue(PipelineMessages.StageProperty, out var s) ? JobMessages.ToInt(s) : -1;
        var task = properties.TryGetValue(PipelineMessages.TaskProperty, out var t) ? JobMessages.ToInt(t) : -1;
        if (state is null || state.Status != PipelineState.Running || stageIndex != state.Stage || task < 0 || task >= state.TaskCount || state.IsDone(task))
        {
            if (state is not null && stageIndex > state.Stage)
                _logger.LogWarning("Pipeline {Pipeline}: job {JobId} got an outcome of stage {Stage} while at stage {Current}; ignoring it.",
                    _pipeline.Name, job.JobId, stageIndex, state.Stage);
            return false; // a repeat, or an outcome of a stage already fanned in
        }
        var stage = _pipeline.Stages[stageIndex];
        state.MarkDone(task);
        job.Progressed = true;
        if (kind == PipelineMessages.Done)
        {
            state.Succeeded++;
            var result = JsonSerializer.Deserialize<JsonElement>(JobMessages.Body(message));
            if (stage.Reduces)
                state.Aggregate = state.Aggregate is { } aggregate ? stage.Reduce(aggregate, result, _options.SerializerOptions) : result;
            else
                state.Results![task] = result;
        }
        else
        {
            state.Failed++;
            if (state.Failures.Count < _pipeline.MaxRecordedFailures)
            {
                using var error = JsonDocument.Parse(JobMessages.Body(message));
                state.Failures.Add(new TaskFailure(task, Text(error.RootElement, "reason"), Text(error.RootElement, "description")));
            }
        }
        if (state.Succeeded + state.Failed == state.TaskCount)
            await CompleteStageAsync(job, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Sends a stage's tasks in windows of DispatchWindow, each with MessageId <c>{job}/{stage}/{task}</c>, then moves the
    /// state to the stage (recorded by the caller's state write). After a crash before that write the same events come
    /// back, the same tasks are sent again, and duplicate detection drops them.
    /// </summary>
    private async Task BeginStageAsync(JobRun job, int index, object? previous, CancellationToken cancellationToken)
    {
        var state = job.State!;
        var stage = _pipeline.Stages[index];
        var sent = 0;
        var window = new List<Task>(_pipeline.DispatchWindow);
        IEnumerator<byte[]>? tasks = null;
        try
        {
            tasks = stage.FanOut(state.Input, previous, _options.SerializerOptions).GetEnumerator();
            while (true)
            {
                bool more;
                try
                {
                    more = tasks.MoveNext();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    await SendWindowAsync(window).ConfigureAwait(false);
                    Fail(job, stage, $"The fan-out of stage '{stage.Name}' threw {ex.GetType().FullName}: {ex.Message}");
                    return;
                }
                if (!more)
                    break;
                window.Add(_senders.SendAsync(stage.Queue, PipelineMessages.TaskMessage(job.JobId, index, sent, stage.JobType, tasks.Current),
                    cancellationToken));
                sent++;
                if (window.Count == _pipeline.DispatchWindow)
                {
                    await SendWindowAsync(window).ConfigureAwait(false);
                    await NotifyAsync(Event(PipelineEventKind.TasksDispatched, job, stage: index, dispatched: sent)).ConfigureAwait(false);
                }
            }
            if (window.Count > 0)
            {
                await SendWindowAsync(window).ConfigureAwait(false);
                await NotifyAsync(Event(PipelineEventKind.TasksDispatched, job, stage: index, dispatched: sent)).ConfigureAwait(false);
            }
        }
        finally
        {
            tasks?.Dispose();
        }

        state.Stage = index;
        state.TaskCount = sent;
        state.Done = new byte[(sent + 7) / 8];
        state.Succeeded = 0;
        state.Failed = 0;
        state.Results = stage.Reduces ? null : new JsonElement?[sent];
        state.Aggregate = null;
        state.Failures = [];
        state.Stages.Add(new StageRecord(stage.Name, sent, _time.GetUtcNow()));
        job.AfterRecord.Add(Event(PipelineEventKind.StageStarted, job));
        if (sent == 0)
            await CompleteStageAsync(job, cancellationToken).ConfigureAwait(false);
    }

    private async Task CompleteStageAsync(JobRun job, CancellationToken cancellationToken)
    {
        var state = job.State!;
        var stage = _pipeline.Stages[state.Stage];
        var record = state.Stages[^1];
        record.Succeeded = state.Succeeded;
        record.Failed = state.Failed;
        record.CompletedAt = _time.GetUtcNow();
        await NotifyAsync(Event(PipelineEventKind.StageCompleted, job)).ConfigureAwait(false);
        if (state.Failed > 0 && _pipeline.OnFailure == PipelineFailurePolicy.FailJob)
        {
            state.Result = stage.ResultJson(state, _options.SerializerOptions);
            Fail(job, stage, $"Stage '{stage.Name}': {state.Failed} of {state.TaskCount} tasks failed.");
            return;
        }
        if (state.Stage == _pipeline.Stages.Count - 1)
        {
            state.Status = PipelineState.CompletedStatus;
            state.Result = stage.ResultJson(state, _options.SerializerOptions);
            state.Results = null;
            job.AfterRecord.Add(Event(PipelineEventKind.Completed, job) with { Result = state.Result });
            return;
        }
        await BeginStageAsync(job, state.Stage + 1, stage.BuildResult(state, _options.SerializerOptions), cancellationToken).ConfigureAwait(false);
    }

    private void Fail(JobRun job, PipelineStage stage, string error)
    {
        var state = job.State!;
        _logger.LogWarning("Pipeline {Pipeline}: job {JobId} failed: {Error}", _pipeline.Name, job.JobId, error);
        state.Status = PipelineState.FailedStatus;
        state.Error = error;
        state.Results = null;
        job.AfterRecord.Add(Event(PipelineEventKind.Failed, job, stage: stage.Index) with { Error = error });
    }

    private async Task RenewSessionLockAsync(ServiceBusManagementClient management, SessionReceiver session, CancellationTokenSource held)
    {
        var lockedUntil = session.LockedUntil ?? _time.GetUtcNow() + TimeSpan.FromSeconds(30);
        try
        {
            while (true)
            {
                var wait = (lockedUntil - _time.GetUtcNow()) / 2;
                if (wait < TimeSpan.FromMilliseconds(500))
                    wait = TimeSpan.FromMilliseconds(500);
                await Task.Delay(wait, _time, held.Token).ConfigureAwait(false);
                lockedUntil = await management.RenewSessionLockAsync(session.SessionId, held.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            // Lost: stop work on this job; another coordinator takes the session and redoes the unsettled events.
            _logger.LogWarning(ex, "Pipeline {Pipeline}: renewing the session lock of job {JobId} failed; releasing it.", _pipeline.Name, session.SessionId);
            await held.CancelAsync().ConfigureAwait(false);
        }
    }

    private PipelineEvent Event(PipelineEventKind kind, JobRun job, int? stage = null, int dispatched = 0)
    {
        var state = job.State;
        var index = stage ?? state?.Stage ?? -1;
        var current = state is not null && index == state.Stage;
        return new PipelineEvent(kind, _pipeline.Name, job.JobId, index,
            index >= 0 && index < _pipeline.Stages.Count ? _pipeline.Stages[index].Name : null,
            current ? state!.TaskCount : dispatched, current ? state!.Succeeded : 0, current ? state!.Failed : 0, dispatched, _time.GetUtcNow());
    }

    private async Task NotifyAsync(PipelineEvent pipelineEvent)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await observer.OnPipelineEventAsync(pipelineEvent, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Pipeline {Pipeline}: an observer threw on {Kind} of job {JobId}.", _pipeline.Name, pipelineEvent.Kind, pipelineEvent.JobId);
            }
        }
    }

    /// <summary>Awaits every send of a window (each acknowledged by the broker) and empties it.</summary>
    private static async Task SendWindowAsync(List<Task> window)
    {
        try
        {
            await Task.WhenAll(window).ConfigureAwait(false);
        }
        finally
        {
            window.Clear();
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : "";

    /// <summary>One job's state while its session is held, and the events to raise once the state is recorded.</summary>
    private sealed class JobRun(string jobId, PipelineState? state)
    {
        public string JobId { get; } = jobId;

        public PipelineState? State { get; set; } = state;

        public bool Progressed { get; set; }

        public List<PipelineEvent> AfterRecord { get; } = [];
    }
}
