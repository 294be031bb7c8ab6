namespace Ferry.Jobs.Store;

/// <summary>Records every lifecycle event into the configured store (appended; the store's writer commits in batches).</summary>
internal sealed class JobStoreObserver(IJobStore store) : IJobObserver
{
    public void OnJobEvent(JobEvent jobEvent)
    {
        try
        {
            store.Append(jobEvent);
        }
        catch (ObjectDisposedException)
        {
            // The host is being disposed: a late settlement's status is lost, as any write after the store closed.
        }
    }
}
