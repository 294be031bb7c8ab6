using Ferry.Jobs.Store;

namespace Ferry.Jobs;

/// <summary>
/// Sees every job lifecycle event published through <see cref="JobLifecycle"/>. Register implementations in DI
/// (<c>services.AddSingleton&lt;IJobObserver, …&gt;()</c>) before the host starts. Called on the thread that publishes
/// (a worker's, a submitter's): must be quick, must not block and must not throw.
/// </summary>
internal interface IJobObserver
{
    void OnJobEvent(JobEvent jobEvent);
}
