using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using Amqp;
using Amqp.Framing;
using Ferry.Broker;

namespace Ferry.Http.Tests;

/// <summary>Store commit histograms, link counts and subscriptions on /metrics; /health/live and /health/ready; the Ferry activity source and meter.</summary>
public class ObservabilityTests : IClassFixture<AdminServer>
{
    private readonly AdminServer _server;

    public ObservabilityTests(AdminServer server) => _server = server;

    private async Task<string> ScrapeAsync()
    {
        var response = await _server.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static double Sample(string text, string sample)
    {
        var prefix = sample + " ";
        var line = text.Split('\n').SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(line is not null, $"No sample {prefix} in:\n{text}");
        return double.Parse(line![prefix.Length..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Metrics_StoreCommitHistograms_CountEveryCommitInCumulativeBuckets()
    {
        var before = Sample(await ScrapeAsync(), "ferry_store_commit_duration_seconds_count");
        var queue = await _server.CreateQueueAsync();
        for (var i = 0; i < 5; i++)
            await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", $"{{\"body\":{i}}}", HttpStatusCode.Created);

        var text = await ScrapeAsync();
        Assert.Contains("# TYPE ferry_store_commit_duration_seconds histogram", text);
        Assert.Contains("# TYPE ferry_store_commit_batches histogram", text);
        Assert.Contains("# TYPE ferry_store_commit_operations histogram", text);
        var count = Sample(text, "ferry_store_commit_duration_seconds_count");
        Assert.True(count >= before + 6, $"5 sends and a create are 6 commits at least; the count went from {before} to {count}.");
        Assert.Equal(count, Sample(text, "ferry_store_commit_duration_seconds_bucket{le=\"+Inf\"}"));
        Assert.True(Sample(text, "ferry_store_commit_duration_seconds_sum") >= 0);
        var buckets = text.Split('\n').Where(l => l.StartsWith("ferry_store_commit_batches_bucket{", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ToList();
        Assert.True(buckets.Count > 2);
        for (var i = 1; i < buckets.Count; i++)
            Assert.True(buckets[i] >= buckets[i - 1], "Prometheus buckets are cumulative.");
        // Every in-memory commit is one batch: all of them are in the le="1" bucket.
        Assert.Equal(count, Sample(text, "ferry_store_commit_batches_bucket{le=\"1\"}"));
        Assert.Equal(0, Sample(text, "ferry_store_commit_failures_total"));
        // An in-memory store has no log to checkpoint; the series exist all the same.
        Assert.Equal(0, Sample(text, "ferry_store_checkpoints_total"));
        Assert.Equal(0, Sample(text, "ferry_store_checkpoint_failures_total"));
        Assert.Equal(1, Sample(text, "ferry_store_healthy"));
    }

    [Fact]
    public async Task Metrics_OpenLinks_CountedPerKindWhileAttached()
    {
        var queue = await _server.CreateQueueAsync();
        var before = await ScrapeAsync();
        var (send0, receive0) = (Sample(before, "ferry_links_open{kind=\"send\"}"), Sample(before, "ferry_links_open{kind=\"receive\"}"));
        var connection = await Connection.Factory.CreateAsync(_server.AmqpAddress);
        try
        {
            var session = new Session(connection);
            var sender = new SenderLink(session, "links-sender", queue.Name);
            var receiver = new ReceiverLink(session, "links-receiver", queue.Name);
            await sender.SendAsync(new Message("attached")); // the attach was answered once a send is settled
            receiver.SetCredit(1);
            var received = await receiver.ReceiveAsync(AdminServer.Timeout);
            Assert.NotNull(received);
            receiver.Accept(received);

            var open = await ScrapeAsync();
            Assert.Equal(send0 + 1, Sample(open, "ferry_links_open{kind=\"send\"}"));
            Assert.Equal(receive0 + 1, Sample(open, "ferry_links_open{kind=\"receive\"}"));

            await sender.CloseAsync();
            await receiver.CloseAsync(); // the detach is answered after the link is gone from the session
            var closed = await ScrapeAsync();
            Assert.Equal(send0, Sample(closed, "ferry_links_open{kind=\"send\"}"));
            Assert.Equal(receive0, Sample(closed, "ferry_links_open{kind=\"receive\"}"));
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    [Fact]
    public async Task Metrics_Subscriptions_HaveTheirOwnSeries()
    {
        var topic = AdminServer.UniqueName();
        await _server.Server.Broker.CreateTopicAsync(topic, new TopicSettings());
        await _server.Server.Broker.CreateSubscriptionAsync(topic, "audit", new QueueSettings());
        await _server.PostJsonAsync($"/api/dashboard/entities/{topic}/messages", "{\"body\":\"fan\"}", HttpStatusCode.Created);

        var text = await ScrapeAsync();
        Assert.Equal(1, Sample(text, $"ferry_queue_active_messages{{queue=\"{topic}/Subscriptions/audit\"}}"));
        Assert.Equal(_server.Server.Broker.Queues.Count, Sample(text, "ferry_queues"));
    }

    [Fact]
    public async Task Metrics_DeletedQueue_ItsSeriesGoWithIt()
    {
        var queue = await _server.CreateQueueAsync();
        var label = $"{{queue=\"{queue.Name}\"}}";
        Assert.Equal(0, Sample(await ScrapeAsync(), $"ferry_queue_active_messages{label}"));

        await _server.Server.Broker.DeleteQueueAsync(queue.Name);

        var text = await ScrapeAsync();
        Assert.DoesNotContain(label, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_LiveAndReady_AnswerWithTheStoreStatus()
    {
        var live = await _server.GetJsonAsync("/health/live");
        Assert.Equal("live", (string?)live["status"]);
        var ready = await _server.GetJsonAsync("/health/ready");
        Assert.Equal("ready", (string?)ready["status"]);
        Assert.Equal("memory", (string?)ready["store"]!["engine"]);
        Assert.Equal("none", (string?)ready["store"]!["durability"]);
        Assert.Equal("ok", (string?)ready["store"]!["status"]);
        Assert.Equal("ready", (string?)(await _server.GetJsonAsync("/health"))["status"]);
    }

    [Fact]
    public async Task Health_Ready_Is503WhenTheStoreCanNoLongerCommit_LiveStays200()
    {
        var server = await FerryServer.StartAsync(new FerryServerOptions { InMemory = true, AmqpPort = 0, HttpPort = 0 });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}"), Timeout = AdminServer.Timeout };
            await server.Broker.Store.DisposeAsync(); // what a dead writer looks like from outside: no more commits

            var ready = await AdminServer.JsonAsync(await http.GetAsync("/health/ready"), HttpStatusCode.ServiceUnavailable);
            Assert.Equal("not-ready", (string?)ready["status"]);
            Assert.Equal("stopped", (string?)ready["store"]!["status"]);
            await AdminServer.JsonAsync(await http.GetAsync("/health"), HttpStatusCode.ServiceUnavailable);
            await AdminServer.JsonAsync(await http.GetAsync("/health/live"), HttpStatusCode.OK);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Traces_SendAndDelivery_AreChildrenOfTheMessagesDiagnosticId()
    {
        var queue = await _server.CreateQueueAsync();
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == FerryTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("messaging.destination.name") as string == queue.Name)
                    stopped.Enqueue(activity);
            },
        };
        ActivitySource.AddActivityListener(listener);
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();

        var connection = await Connection.Factory.CreateAsync(_server.AmqpAddress);
        try
        {
            var session = new Session(connection);
            var sender = new SenderLink(session, "trace-sender", queue.Name);
            var message = new Message("traced")
            {
                Properties = new Properties { MessageId = "traced-1" },
                ApplicationProperties = new ApplicationProperties { ["Diagnostic-Id"] = $"00-{traceId}-{spanId}-01" },
            };
            await sender.SendAsync(message);
            var receiver = new ReceiverLink(session, "trace-receiver", queue.Name);
            var received = await receiver.ReceiveAsync(AdminServer.Timeout);
            Assert.NotNull(received);
            receiver.Accept(received);
        }
        finally
        {
            await connection.CloseAsync();
        }

        var send = Assert.Single(stopped, a => a.DisplayName == $"send {queue.Name}");
        var deliver = Assert.Single(stopped, a => a.DisplayName == $"deliver {queue.Name}");
        foreach (var activity in new[] { send, deliver })
        {
            Assert.Equal(traceId, activity.TraceId);
            Assert.Equal(spanId, activity.ParentSpanId);
            Assert.Equal("traced-1", activity.GetTagItem("messaging.message.id"));
            Assert.Equal("servicebus", activity.GetTagItem("messaging.system"));
        }
        Assert.Equal(ActivityKind.Server, send.Kind);
        Assert.Equal(ActivityKind.Producer, deliver.Kind);
        Assert.Equal(1, deliver.GetTagItem("messaging.servicebus.message.delivery_count"));
    }

    [Fact]
    public async Task Meter_PublishesPerEntityCounters()
    {
        var queue = await _server.CreateQueueAsync();
        for (var i = 0; i < 2; i++)
            await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", $"{{\"body\":{i}}}", HttpStatusCode.Created);
        long? sent = null, active = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == FerryTelemetry.Name && instrument.Name is "ferry.messages.sent" or "ferry.messages.active")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "messaging.destination.name" && tag.Value as string == queue.Name)
                {
                    if (instrument.Name == "ferry.messages.sent")
                        sent = value;
                    else
                        active = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(2, sent);
        Assert.Equal(2, active);
    }
}
