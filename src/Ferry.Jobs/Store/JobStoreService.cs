using Microsoft.Extensions.Hosting;

namespace Ferry.Jobs.Store;

/// <summary>Creates or migrates the store's schema at start (before the worker), and commits what is queued at stop (after it).</summary>
internal sealed class JobStoreService(IJobStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => store.FlushAsync(cancellationToken);
}
