using System.Diagnostics;
using System.Diagnostics.Metrics;
using Amqp;

namespace Ferry.Jobs;

/// <summary>
/// Ferry.Jobs' OpenTelemetry surface, the <c>Ferry.Jobs</c> activity source and meter. A submit is a Producer span whose
/// context travels in the message's <c>Diagnostic-Id</c> application property (the Service Bus SDKs' convention, which
/// Ferry's broker spans also read); each attempt of a handler is a Consumer span, child of that context. Messages a
/// handler sends (a pipeline's next-stage tasks, a report job) carry the attempt's context, so one trace runs from the
/// submit to every task. Meters: jobs submitted, attempts by outcome, attempt duration.
/// </summary>
public static class JobTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Ferry.Jobs";

    /// <summary>The application property carrying the W3C trace context, as the Service Bus SDKs set it.</summary>
    public const string DiagnosticIdProperty = "Diagnostic-Id";

    internal static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);
    private static readonly Counter<long> Submitted = Meter.CreateCounter<long>("ferry.jobs.submitted", "{job}", "Jobs sent to their queue.");
    private static readonly Counter<long> Outcomes = Meter.CreateCounter<long>("ferry.jobs.outcomes", "{attempt}",
        "Attempts by outcome: completed, retrying, dead_lettered, abandoned.");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("ferry.jobs.duration", "s", "Time a handler ran, per attempt.");

    /// <summary>Starts the span of one submit; null when nobody listens.</summary>
    internal static Activity? StartSubmit(string jobType, string queue, string jobId)
    {
        var activity = Source.StartActivity($"submit {jobType}", ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "servicebus");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", queue);
            activity.SetTag("ferry.job.type", jobType);
            activity.SetTag("ferry.job.id", jobId);
        }
        return activity;
    }

    internal static void RecordSubmitted(string jobType) => Submitted.Add(1, new KeyValuePair<string, object?>("ferry.job.type", jobType));

    /// <summary>Starts the span of one attempt, child of the context the message carries; null when nobody listens.</summary>
    internal static Activity? StartProcess(JobRegistration job, Message message, JobDelivery delivery)
    {
        var activity = StartProcess(job.JobType, job.Queue, delivery.JobId, message);
        activity?.SetTag("ferry.job.attempt", delivery.Attempt);
        return activity;
    }

    /// <summary>Starts a Consumer span for handling <paramref name="message"/> (a job attempt, a pipeline coordinator step).</summary>
    internal static Activity? StartProcess(string jobType, string queue, string jobId, Message message)
    {
        if (!Source.HasListeners())
            return null;
        var parent = message.ApplicationProperties?[DiagnosticIdProperty] is string id && ActivityContext.TryParse(id, null, isRemote: true, out var context)
            ? context
            : default;
        var activity = Source.StartActivity(ActivityKind.Consumer, parent, name: $"process {jobType}");
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "servicebus");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", queue);
            activity.SetTag("ferry.job.type", jobType);
            activity.SetTag("ferry.job.id", jobId);
        }
        return activity;
    }

    internal static void RecordDuration(string jobType, TimeSpan elapsed, bool succeeded) =>
        Duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("ferry.job.type", jobType),
            new KeyValuePair<string, object?>("ferry.job.succeeded", succeeded));

    internal static void RecordOutcome(string jobType, JobOutcomeKind kind) =>
        Outcomes.Add(1, new KeyValuePair<string, object?>("ferry.job.type", jobType), new KeyValuePair<string, object?>("ferry.job.outcome", kind switch
        {
            JobOutcomeKind.Completed => "completed",
            JobOutcomeKind.Retrying => "retrying",
            JobOutcomeKind.DeadLettered => "dead_lettered",
            _ => "abandoned",
        }));

    /// <summary>Puts the current span's context on an outgoing message (unless it carries one already).</summary>
    internal static void Inject(Message message)
    {
        if (Activity.Current is { } current && message.ApplicationProperties is { } properties && properties[DiagnosticIdProperty] is null)
            properties[DiagnosticIdProperty] = current.Id;
    }
}
