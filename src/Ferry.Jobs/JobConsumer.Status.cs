using Amqp;
using Ferry.Jobs.Store;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

/// <summary>The consumer's side of the lifecycle hook: the cancel check and the status events of each attempt.</summary>
internal sealed partial class JobConsumer
{
    /// <summary>
    /// With a store, a job cancelled there is completed without running (false). Otherwise publishes Started and returns
    /// true.
    /// </summary>
    private async Task<bool> BeginAttemptAsync(ReceiverLink link, Message message, JobDelivery delivery)
    {
        if (_lifecycle.Store is { } store && await IsCancelledAsync(store, delivery.JobId).ConfigureAwait(false))
        {
            _logger.LogInformation("Job {JobId} ({JobType}) was cancelled; completing its message without running it.", delivery.JobId, _job.JobType);
            await _settlement.CompleteAsync(link, message).ConfigureAwait(false);
            return false;
        }
        if (_lifecycle.IsEnabled)
        {
            _lifecycle.Publish(new JobEvent(JobEventKind.Started, delivery.JobId, _time.GetUtcNow())
                { Type = _job.JobType, Queue = _job.Queue, Attempt = delivery.Attempt, MaxAttempts = _job.Retry.MaxAttempts });
        }
        return true;
    }

    /// <summary>A job cancelled through the store is not run; a store that cannot be read does not stop the work.</summary>
    private async Task<bool> IsCancelledAsync(IJobStore store, string jobId)
    {
        try
        {
            return await store.GetJobStateAsync(jobId, _stopping.Token).ConfigureAwait(false) == JobState.Cancelled;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Job {JobId}: reading its status failed; running it.", jobId);
            return false;
        }
    }

    /// <summary>Publishes an attempt's outcome: Succeeded (with the handler's result), AttemptFailed or DeadLettered.</summary>
    private void Record(JobDelivery delivery, JobOutcomeKind kind, Exception? exception)
    {
        var kindOfEvent = kind switch
        {
            JobOutcomeKind.Completed => JobEventKind.Succeeded,
            JobOutcomeKind.DeadLettered => JobEventKind.DeadLettered,
            _ => JobEventKind.AttemptFailed, // Retrying, or Abandoned at shutdown: delivered again later either way.
        };
        var jobEvent = new JobEvent(kindOfEvent, delivery.JobId, _time.GetUtcNow()) { Type = _job.JobType, Queue = _job.Queue, Attempt = delivery.Attempt };
        if (kind == JobOutcomeKind.Completed && delivery.Result is var (value, type))
        {
            try
            {
                jobEvent = jobEvent with { ResultJson = System.Text.Json.JsonSerializer.Serialize(value, type, _options.SerializerOptions) };
            }
            catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or System.Text.Json.JsonException)
            {
                _logger.LogWarning(ex, "Job {JobId} ({JobType}): its result cannot be serialized; recording none.", delivery.JobId, _job.JobType);
            }
        }
        _lifecycle.Publish(exception is null ? jobEvent : jobEvent.WithError(exception));
    }
}
