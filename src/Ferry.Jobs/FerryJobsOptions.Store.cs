using Ferry.Jobs.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

public sealed partial class FerryJobsOptions
{
    private Func<IServiceProvider, IJobStore>? _storeFactory;

    /// <summary>True when a job status store is configured (<see cref="UseSqliteStore"/>, <see cref="UsePostgresStore"/>, <see cref="UseStore"/>).</summary>
    public bool HasStore => _storeFactory is not null;

    /// <summary>
    /// With a store: how long a submit waits for the broker before keeping the job in the store instead (state
    /// QueuedLocally) for the forwarder to send later. Default 5 seconds. Without a store a submit waits as long as its
    /// cancellation token allows.
    /// </summary>
    public TimeSpan StoreAndForwardTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Records job status in a SQLite file (default <c>ferry-jobs.db</c> beside the application, see
    /// <see cref="SqliteJobStore.DefaultPath"/>): submits, attempts, outcomes, errors, stages and tasks. Enables
    /// store-and-forward.
    /// </summary>
    public FerryJobsOptions UseSqliteStore(string? path = null)
    {
        var file = path ?? SqliteJobStore.DefaultPath;
        ArgumentException.ThrowIfNullOrWhiteSpace(file, nameof(path));
        return UseStore(sp => new SqliteJobStore(file, sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>()?.CreateLogger("Ferry.Jobs.Store")));
    }

    /// <summary>Records job status in PostgreSQL (an Npgsql connection string), for several processes sharing one store.</summary>
    public FerryJobsOptions UsePostgresStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return UseStore(sp => new PostgresJobStore(connectionString, sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Ferry.Jobs.Store")));
    }

    /// <summary>Records job status in a store of your own making. The last Use…Store call wins.</summary>
    public FerryJobsOptions UseStore(Func<IServiceProvider, IJobStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _storeFactory = factory;
        return this;
    }

    /// <summary>The registered job type (handled or submit-only) whose <see cref="JobRegistration.JobType"/> is this name, ignoring case.</summary>
    public JobRegistration? FindJob(string jobType)
    {
        foreach (var registration in _byPayload.Values)
        {
            if (string.Equals(registration.JobType, jobType, StringComparison.OrdinalIgnoreCase))
                return registration;
        }
        return null;
    }

    /// <summary>Every registered job type, handled or submit-only.</summary>
    public IReadOnlyCollection<JobRegistration> AllJobs => _byPayload.Values;

    /// <summary>
    /// Registers the lifecycle hook (always) and, with a store, the store, the observer that records into it, the hosted
    /// service that starts and flushes it, and the forwarder. Called by AddFerryJobs before the worker is added, so the
    /// store starts before the worker and stops after it.
    /// </summary>
    internal void AddStoreServices(IServiceCollection services)
    {
        services.TryAddSingleton(sp => new JobLifecycle(sp.GetServices<IJobObserver>(), sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<IJobStore>()));
        services.TryAddSingleton<JobAdministration>();
        if (_pipelines.Count > 0)
            services.AddSingleton<IPipelineObserver, PipelineStatusObserver>();   // pipeline progress into the store
        if (_storeFactory is not { } factory)
            return;
        services.TryAddSingleton(factory);
        services.AddSingleton<IJobObserver, JobStoreObserver>();
        services.AddHostedService<JobStoreService>();
        services.AddSingleton<JobForwarder>();
        services.AddHostedService(sp => sp.GetRequiredService<JobForwarder>());
    }
}
