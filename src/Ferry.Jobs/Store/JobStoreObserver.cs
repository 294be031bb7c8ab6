namespace Ferry.Jobs.Store;

/// <summary>Records every lifecycle event into the configured store (appended; the store's writer commits in batches).</summary>
internal sealed class JobStoreObserver(IJobStore store) : IJobObserver
{
    public void OnJobEvent(JobEvent jobEvent) => store.Append(jobEvent);
}
