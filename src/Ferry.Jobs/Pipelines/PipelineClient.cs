using System.Text.Json;

namespace Ferry.Jobs;

internal sealed class PipelineClient(EntitySenders senders, FerryJobsOptions options) : IPipelineClient
{
    public async Task<string> StartAsync<TInput>(string pipeline, TInput input, string? jobId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pipeline);
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        if (jobId is { Length: 0 or > 64 })
            throw new ArgumentException("A pipeline job id is 1 to 64 characters (task message ids are derived from it).", nameof(jobId));
        jobId ??= Guid.NewGuid().ToString("N");
        var registration = options.Pipelines.FirstOrDefault(p => string.Equals(p.Name, pipeline, StringComparison.OrdinalIgnoreCase));
        var controlQueue = registration?.ControlQueue ?? pipeline + "-control";
        var body = JsonSerializer.SerializeToUtf8Bytes(input, options.SerializerOptions);
        // The pipeline's trace starts here: the start event carries this span's context to the coordinator and its tasks.
        using var activity = JobTelemetry.StartSubmit(pipeline, controlQueue, jobId);
        await senders.SendAsync(controlQueue, PipelineMessages.StartEvent(jobId, body), cancellationToken).ConfigureAwait(false);
        JobTelemetry.RecordSubmitted(pipeline);
        return jobId;
    }
}
