namespace Ferry.Jobs;

/// <summary>
/// Sees a pipeline's lifecycle and progress (for a status store, metrics or logs). Register any number as singletons
/// (<c>services.AddSingleton&lt;IPipelineObserver, MyObserver&gt;()</c>). Calls come from the coordinator holding the
/// job's session, one at a time per job, and are awaited: keep them short. An exception is logged and ignored.
/// <para>Delivery: <see cref="PipelineEventKind.StageCompleted"/> and <see cref="PipelineEventKind.TasksDispatched"/>
/// are raised before the transition is recorded, so a crash can repeat them (at least once). The other kinds are
/// raised after the broker has recorded the change, so a crash can lose one but never repeats it (at most once). The
/// session state is the truth; an observer that must not miss a change reads it again on the next event.</para>
/// </summary>
public interface IPipelineObserver
{
    ValueTask OnPipelineEventAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken);
}
