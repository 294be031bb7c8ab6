using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Ferry.Jobs.TestWorker;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Jobs.Tests;

/// <summary>The Ferry.Jobs activity source and meter: one trace from a pipeline's start to every task of both stages.</summary>
public class TelemetryTests(FerryFixture ferry) : IClassFixture<FerryFixture>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Job_TheHandlerRunsInAConsumerSpan_ChildOfTheSubmitSpan_WhoseContextTheMessageCarried()
    {
        var queue = await ferry.CreateQueueAsync();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == JobTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if ((string?)activity.GetTagItem("messaging.destination.name") == queue)
                    spans.Enqueue(activity);
            },
        };
        ActivitySource.AddActivityListener(listener);
        var inHandler = new TaskCompletionSource<(ActivityTraceId Trace, ActivitySpanId Parent, string? Name)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await ferry.StartHostAsync(
            options => options.AddJob<ScoringJob, DelegateHandler<ScoringJob>>(queue),
            services => services.AddSingleton(new DelegateHandler<ScoringJob>((_, _) =>
            {
                var current = Activity.Current;
                inHandler.TrySetResult((current?.TraceId ?? default, current?.ParentSpanId ?? default, current?.DisplayName));
                return Task.CompletedTask;
            })));

        var jobId = await host.Services.GetRequiredService<IJobClient>().SubmitAsync(new ScoringJob("traced", 1));
        var (trace, parent, name) = await inHandler.Task.WaitAsync(FerryFixture.Timeout);

        var submit = Assert.Single(spans, s => s.Kind == ActivityKind.Producer);
        Assert.Equal(jobId, submit.GetTagItem("ferry.job.id"));
        Assert.Equal(submit.TraceId, trace);
        Assert.Equal(submit.SpanId, parent);
        Assert.Equal($"process {nameof(ScoringJob)}", name);
        await host.StopAsync();
    }

    [Fact]
    public async Task Pipeline_OneTraceRunsFromTheStartThroughTheCoordinatorToEveryTask_AndTheMeterCountsOutcomes()
    {
        var pipeline = PipelineQueues.NewName("traced");
        await PipelineQueues.CreateAsync(ferry, pipeline);
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == JobTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("ferry.job.type") is string type && type.StartsWith(pipeline, StringComparison.Ordinal))
                    spans.Enqueue(activity);
            },
        };
        ActivitySource.AddActivityListener(listener);
        var completed = 0L;
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == JobTelemetry.Name && instrument.Name == "ferry.jobs.outcomes")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? type = null, outcome = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "ferry.job.type")
                    type = tag.Value as string;
                else if (tag.Key == "ferry.job.outcome")
                    outcome = tag.Value as string;
            }
            if (type is not null && type.StartsWith(pipeline, StringComparison.Ordinal) && outcome == "completed")
                Interlocked.Add(ref completed, value);
        });
        meters.Start();

        var probe = new PipelineProbe();
        await using var host = await ferry.StartHostAsync(options => HelloWorld.Register(options, pipeline, 4, PipelineFailurePolicy.FailJob),
            services => services.AddSingleton<IPipelineObserver>(probe));
        var jobId = await host.Services.GetRequiredService<IPipelineClient>().StartAsync(pipeline, new HelloInput(20));
        var finished = await probe.FinishedAsync(jobId, Long);
        Assert.Equal(PipelineEventKind.Completed, finished.Kind);
        await host.StopAsync();

        var submit = Assert.Single(spans, s => s.Kind == ActivityKind.Producer && (string?)s.GetTagItem("ferry.job.id") == jobId);
        var tasks = spans.Where(s => s.Kind == ActivityKind.Consumer && s.DisplayName != $"process {pipeline}/coordinator").ToList();
        var steps = spans.Where(s => s.DisplayName == $"process {pipeline}/coordinator").ToList();
        Assert.Equal(40, tasks.Count); // 20 tasks in each of the two stages, each a span of its own
        Assert.NotEmpty(steps);
        Assert.All(tasks.Concat(steps), s => Assert.Equal(submit.TraceId, s.TraceId));
        Assert.Contains(steps, s => s.ParentSpanId == submit.SpanId); // the start event, handled as a child of the submit
        Assert.Equal(40, Interlocked.Read(ref completed));
    }
}
