using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

/// <summary>The hosted service that runs every registered job type's consumer.</summary>
internal sealed class FerryJobsWorker(
    AmqpServiceBusConnection connection,
    FerryJobsOptions options,
    IServiceProvider services,
    ILoggerFactory loggerFactory) : IHostedService
{
    private readonly List<JobConsumer> _consumers = [];
    private readonly List<BatchConsumer> _batchConsumers = [];
    private readonly List<PipelineCoordinator> _coordinators = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger("Ferry.Jobs");
        foreach (var job in options.Jobs)
        {
            var consumer = new JobConsumer(job, connection, services, options, logger, TimeProvider.System);
            _consumers.Add(consumer);
            consumer.Start();
            logger.LogInformation("Job type {JobType}: consuming {Queue} with concurrency {Concurrency}.", job.JobType, job.Queue, job.Concurrency);
        }
        foreach (var job in options.BatchJobs)
        {
            var consumer = new BatchConsumer(job, connection, services, options, logger, TimeProvider.System);
            _batchConsumers.Add(consumer);
            consumer.Start();
        }
        foreach (var pipeline in options.Pipelines)
        {
            var coordinator = new PipelineCoordinator(pipeline, connection, services.GetRequiredService<EntitySenders>(),
                services.GetServices<IPipelineObserver>(), options, logger, TimeProvider.System);
            _coordinators.Add(coordinator);
            coordinator.Start();
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_consumers.Select(c => c.StopAsync(cancellationToken))
            .Concat(_batchConsumers.Select(c => c.StopAsync(cancellationToken)))
            .Concat(_coordinators.Select(c => c.StopAsync(cancellationToken)))).ConfigureAwait(false);
        foreach (var coordinator in _coordinators)
            coordinator.Dispose();
        _coordinators.Clear();
        foreach (var consumer in _batchConsumers)
            consumer.Dispose();
        _batchConsumers.Clear();
        foreach (var consumer in _consumers)
            consumer.Dispose();
        _consumers.Clear();
    }
}
