using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Jobs;

/// <summary>Configuration of <c>AddFerryJobs</c>: the connection and the job types.</summary>
public sealed partial class FerryJobsOptions
{
    private readonly Dictionary<Type, JobRegistration> _byPayload = [];
    private readonly List<JobRegistration> _handlers = [];
    private readonly List<BatchJobRegistration> _batchHandlers = [];
    private readonly List<PipelineRegistration> _pipelines = [];

    /// <summary>A Service Bus connection string (Ferry's or Azure's).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Null (default): use Ferry's abandon-with-delay when the broker announces it. False: always use the Azure
    /// fallback (complete + scheduled copy). True: always abandon with a delay.
    /// </summary>
    public bool? UseFerryExtensions { get; set; }

    /// <summary>How payloads are written and read (default: web defaults, camelCase).</summary>
    public JsonSerializerOptions SerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);

    /// <summary>Called after each delivery has been settled (completed, retried, dead-lettered, abandoned). Must not throw.</summary>
    public Action<JobOutcome>? OnOutcome { get; set; }

    /// <summary>How long the worker waits, at shutdown, for cancelled handlers before abandoning what is left.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The job types with handlers in this process.</summary>
    public IReadOnlyList<JobRegistration> Jobs => _handlers;

    /// <summary>
    /// Registers a handled job type. The queue defaults to the payload type's name in kebab case (<c>ScoringJob</c> →
    /// <c>scoring-job</c>). <paramref name="concurrency"/> handlers run at once; the receiver's credit (messages held
    /// locked, running or waiting) is <c>max(concurrency, prefetch)</c>.
    /// </summary>
    public JobRegistration AddJob<TPayload, THandler>(string? queue = null, int concurrency = 1, int prefetch = 0, RetryPolicy? retry = null)
        where THandler : class, IJobHandler<TPayload>
    {
        var registration = new JobRegistration<TPayload, THandler>(queue ?? DefaultQueueName(typeof(TPayload)))
        {
            Concurrency = concurrency,
            Prefetch = prefetch,
            Retry = retry ?? RetryPolicy.Default,
        };
        registration.Validate();
        _byPayload[typeof(TPayload)] = registration;
        _handlers.Add(registration);
        return registration;
    }

    /// <summary>The batch job types with handlers in this process.</summary>
    public IReadOnlyList<BatchJobRegistration> BatchJobs => _batchHandlers;

    /// <summary>
    /// Registers a batch job type (docs/jobs.md, "Batch consumers"): the handler gets up to <paramref name="maxBatchSize"/>
    /// jobs at once, or as many as fit <paramref name="tokenBudget"/> by <paramref name="estimateTokens"/>, or what
    /// arrived within <paramref name="batchTimeout"/> (default 30 s) of the first; higher <c>ferry-priority</c> first.
    /// Each item is settled on its own outcome and retried per <paramref name="retry"/> like a single job.
    /// </summary>
    public BatchJobRegistration AddBatchJob<TPayload, THandler>(string? queue = null, int maxBatchSize = 50, TimeSpan? batchTimeout = null,
        long? tokenBudget = null, Func<TPayload, long>? estimateTokens = null, RetryPolicy? retry = null, int concurrency = 1, int prefetch = 0)
        where THandler : class, IBatchJobHandler<TPayload>
    {
        var registration = new BatchJobRegistration<TPayload, THandler>(queue ?? DefaultQueueName(typeof(TPayload)), estimateTokens)
        {
            MaxBatchSize = maxBatchSize,
            BatchTimeout = batchTimeout ?? TimeSpan.FromSeconds(30),
            TokenBudget = tokenBudget,
            Retry = retry ?? RetryPolicy.Default,
            Concurrency = concurrency,
            Prefetch = prefetch,
        };
        registration.ValidateBatch();
        _byPayload[typeof(TPayload)] = registration;
        _batchHandlers.Add(registration);
        return registration;
    }

    /// <summary>The pipelines coordinated, and whose tasks run, in this process.</summary>
    public IReadOnlyList<PipelineRegistration> Pipelines => _pipelines;

    /// <summary>
    /// Registers a pipeline (docs/jobs.md, "Pipelines"): stages that each fan out into tasks, run on any worker, and fan
    /// in when every task has finished, failed ones included; the next stage then runs with the previous one's results.
    /// This process coordinates jobs (session receivers on the control queue) and runs every stage's tasks.
    /// </summary>
    public PipelineRegistration AddPipeline<TInput>(string name, Action<PipelineBuilder<TInput>> build,
        PipelineFailurePolicy onFailure = PipelineFailurePolicy.FailJob)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (_pipelines.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"A pipeline '{name}' is registered already.", nameof(name));
        var registration = new PipelineRegistration(name, typeof(TInput)) { OnFailure = onFailure };
        build(new PipelineBuilder<TInput>(registration));
        registration.Validate();
        _pipelines.Add(registration);
        _handlers.AddRange(registration.Stages);
        return registration;
    }

    /// <summary>Maps a payload type to its queue for submitting only (an API that enqueues work handled elsewhere).</summary>
    public void MapJob<TPayload>(string? queue = null) =>
        _byPayload.TryAdd(typeof(TPayload), new SubmitOnlyRegistration(typeof(TPayload), queue ?? DefaultQueueName(typeof(TPayload))));

    /// <summary>The queue a payload type is submitted to: the registered one, else the default name.</summary>
    public string QueueFor(Type payloadType) =>
        _byPayload.TryGetValue(payloadType, out var registration) ? registration.Queue : DefaultQueueName(payloadType);

    internal string JobTypeFor(Type payloadType) =>
        _byPayload.TryGetValue(payloadType, out var registration) ? registration.JobType : payloadType.Name;

    /// <summary><c>ScoringJob</c> → <c>scoring-job</c>; generic arity suffixes are dropped.</summary>
    public static string DefaultQueueName(Type payloadType)
    {
        ArgumentNullException.ThrowIfNull(payloadType);
        var name = payloadType.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
            name = name[..tick];
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var boundary = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])));
                if (boundary && builder.Length > 0 && builder[^1] != '-')
                    builder.Append('-');
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(char.IsLetterOrDigit(c) ? c : '-');
            }
        }
        return builder.ToString();
    }

    private sealed class SubmitOnlyRegistration(Type payloadType, string queue) : JobRegistration(payloadType, queue)
    {
        internal override object? Deserialize(ReadOnlySpan<byte> body, JsonSerializerOptions options) => throw new NotSupportedException();

        internal override Task InvokeAsync(IServiceProvider services, object? payload, JobDelivery delivery, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}

/// <summary>A job type: its payload, queue, concurrency, prefetch and retry policy.</summary>
public abstract class JobRegistration
{
    private protected JobRegistration(Type payloadType, string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        PayloadType = payloadType;
        Queue = queue;
        JobType = payloadType.Name;
    }

    public Type PayloadType { get; }

    public string Queue { get; }

    /// <summary>The name written as each message's subject (default: the payload type's name).</summary>
    public string JobType { get; set; }

    /// <summary>Handlers running at once in this process (at least 1).</summary>
    public int Concurrency { get; set; } = 1;

    /// <summary>Messages held locked ahead of the handlers; the link credit is <c>max(Concurrency, Prefetch)</c>.</summary>
    public int Prefetch { get; set; }

    public RetryPolicy Retry { get; set; } = RetryPolicy.Default;

    /// <summary>Renew the lock of a running job at half its remaining time (default on).</summary>
    public bool AutoRenewLock { get; set; } = true;

    /// <summary>Stop renewing after this long; the handler's lock may then expire (default 1 hour).</summary>
    public TimeSpan MaxLockRenewalDuration { get; set; } = TimeSpan.FromHours(1);

    internal int Credit => Math.Max(Concurrency, Prefetch);

    internal void Validate()
    {
        if (Concurrency < 1)
            throw new ArgumentOutOfRangeException(nameof(Concurrency), Concurrency, "Concurrency must be at least 1.");
        if (Prefetch < 0)
            throw new ArgumentOutOfRangeException(nameof(Prefetch), Prefetch, "Prefetch must not be negative.");
        ArgumentNullException.ThrowIfNull(Retry);
        Retry.Validate();
    }

    internal abstract object? Deserialize(ReadOnlySpan<byte> body, JsonSerializerOptions options);

    internal abstract Task InvokeAsync(IServiceProvider services, object? payload, JobDelivery delivery, CancellationToken cancellationToken);

    /// <summary>Runs before a delivery is dead-lettered (a pipeline task reports its final failure); throwing abandons it instead.</summary>
    internal virtual Task BeforeDeadLetterAsync(IServiceProvider services, JobDelivery delivery, Exception reason, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}

internal sealed class JobRegistration<TPayload, THandler>(string queue) : JobRegistration(typeof(TPayload), queue)
    where THandler : class, IJobHandler<TPayload>
{
    internal override object? Deserialize(ReadOnlySpan<byte> body, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<TPayload>(body, options);

    internal override async Task InvokeAsync(IServiceProvider services, object? payload, JobDelivery delivery, CancellationToken cancellationToken)
    {
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var handler = ActivatorUtilities.GetServiceOrCreateInstance<THandler>(scope.ServiceProvider);
            await handler.HandleAsync(new JobContext<TPayload>((TPayload)payload!, delivery), cancellationToken).ConfigureAwait(false);
        }
    }
}
