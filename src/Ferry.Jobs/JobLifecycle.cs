using Ferry.Jobs.Store;

namespace Ferry.Jobs;

/// <summary>
/// The lifecycle hook: the one place job, stage and task events are published to the observers (the status store's
/// recorder, later telemetry). Singleton, always registered by AddFerryJobs. With no observer, <see cref="IsEnabled"/> is
/// false and publishers skip building events, so a process without a store pays nothing.
/// </summary>
/// <example>
/// A pipeline reporting a stage and a task:
/// <code>
/// if (lifecycle.IsEnabled)
/// {
///     lifecycle.Publish(new JobEvent(JobEventKind.StageStarted, jobId, lifecycle.Now) { Stage = "tile", StagePosition = 0, TasksTotal = 1000 });
///     lifecycle.Publish(new JobEvent(JobEventKind.TaskChanged, jobId, lifecycle.Now) { Stage = "tile", TaskId = "t17", State = JobState.Succeeded, Attempt = 1 });
/// }
/// </code>
/// </example>
internal sealed class JobLifecycle
{
    /// <summary>No observers and no store: what a consumer uses when it was built without DI's lifecycle.</summary>
    public static readonly JobLifecycle None = new([], TimeProvider.System, null);

    private readonly IJobObserver[] _observers;

    public JobLifecycle(IEnumerable<IJobObserver> observers, TimeProvider time, IJobStore? store)
    {
        _observers = [.. observers];
        Time = time;
        Store = store;
    }

    public bool IsEnabled => _observers.Length > 0;

    public TimeProvider Time { get; }

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>The configured status store, or null: for the parts that read it (cancel checks, store-and-forward).</summary>
    public IJobStore? Store { get; }

    public void Publish(JobEvent jobEvent)
    {
        foreach (var observer in _observers)
            observer.OnJobEvent(jobEvent);
    }
}
