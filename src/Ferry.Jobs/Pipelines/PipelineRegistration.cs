namespace Ferry.Jobs;

/// <summary>
/// A pipeline (<c>AddPipeline</c>): its stages, its control queue and how it treats failed tasks. The control queue must
/// have RequiresSession and RequiresDuplicateDetection; each stage's queue RequiresDuplicateDetection and a
/// MaxDeliveryCount above the stage's MaxAttempts (docs/jobs.md, "Pipelines").
/// </summary>
public sealed class PipelineRegistration
{
    private readonly List<PipelineStage> _stages = [];

    internal PipelineRegistration(string name, Type inputType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        InputType = inputType;
        ControlQueue = name + "-control";
    }

    public string Name { get; }

    public Type InputType { get; }

    /// <summary>The session queue holding each job's start and task outcomes, and its state (default <c>{name}-control</c>).</summary>
    public string ControlQueue { get; set; }

    public PipelineFailurePolicy OnFailure { get; set; } = PipelineFailurePolicy.FailJob;

    public IReadOnlyList<PipelineStage> Stages => _stages;

    /// <summary>Jobs coordinated at once in this process: session receivers on the control queue (default 4).</summary>
    public int CoordinatorConcurrency { get; set; } = 4;

    /// <summary>
    /// A coordinator releases a running job's session after this long without events (default 1 s), and a finished
    /// job's at once; any process can take it up again. Shorter serves more jobs than coordinators; longer re-reads the
    /// state less often.
    /// </summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Task outcomes applied per session-state write, at most (also the session receiver's credit; default 500).</summary>
    public int EventBatchSize { get; set; } = 500;

    /// <summary>
    /// How long the coordinator waits, after the first outcome of a batch, for more before it writes the state (default
    /// 50 ms): fewer, larger state writes for large fan-outs, at the cost of that much fan-in latency.
    /// </summary>
    public TimeSpan EventLinger { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Task messages sent at once when a stage fans out, as seed 004 sends them (default 100).</summary>
    public int DispatchWindow { get; set; } = 100;

    /// <summary>Failures recorded per stage with their reason (all are counted; default 100).</summary>
    public int MaxRecordedFailures { get; set; } = 100;

    internal void Add(PipelineStage stage) => _stages.Add(stage);

    internal void Validate()
    {
        if (_stages.Count == 0)
            throw new InvalidOperationException($"Pipeline '{Name}' has no stage.");
        if (CoordinatorConcurrency < 1 || EventBatchSize < 1 || DispatchWindow < 1 || MaxRecordedFailures < 0)
            throw new ArgumentOutOfRangeException(nameof(CoordinatorConcurrency), "CoordinatorConcurrency, EventBatchSize and DispatchWindow must be positive.");
        foreach (var stage in _stages)
            stage.Validate();
    }
}
