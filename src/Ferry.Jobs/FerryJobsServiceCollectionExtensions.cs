using Ferry.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

public static class FerryJobsServiceCollectionExtensions
{
    /// <summary>
    /// Adds Ferry.Jobs: one shared <see cref="AmqpServiceBusConnection"/>, an <see cref="IJobClient"/> for submitting,
    /// and a hosted service that runs the handlers registered with <see cref="FerryJobsOptions.AddJob{TPayload, THandler}"/>.
    /// <paramref name="configure"/> runs at once.
    /// </summary>
    public static IServiceCollection AddFerryJobs(this IServiceCollection services, Action<FerryJobsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new FerryJobsOptions();
        configure(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            throw new InvalidOperationException("FerryJobsOptions.ConnectionString is required.");
        var endpoint = ServiceBusEndpoint.Parse(options.ConnectionString);

        services.AddSingleton(options);
        services.TryAddSingleton(sp => new AmqpServiceBusConnection(endpoint,
            sp.GetService<ILoggerFactory>()?.CreateLogger("Ferry.Jobs.Connection"), options.UseFerryExtensions));
        services.TryAddSingleton<JobClient>();
        services.TryAddSingleton<IJobClient>(sp => sp.GetRequiredService<JobClient>());
        options.AddStoreServices(services);
        services.TryAddSingleton<EntitySenders>();
        services.TryAddSingleton<IPipelineClient, PipelineClient>();
        services.AddHostedService<FerryJobsWorker>();
        return services;
    }
}
