using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Ferry.Rest.Tests;

/// <summary>A REST send makes the same <c>send</c> span as an AMQP one, child of the message's <c>Diagnostic-Id</c> property.</summary>
public class RestTelemetryTests(RestServer server) : IClassFixture<RestServer>
{
    [Fact]
    public async Task Send_WithADiagnosticIdProperty_MakesASendSpanInThatTrace()
    {
        var queue = await server.CreateQueueAsync();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == FerryTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if ((string?)activity.GetTagItem("messaging.destination.name") == queue.Name)
                    spans.Enqueue(activity);
            },
        };
        ActivitySource.AddActivityListener(listener);
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();

        await RestServer.Expect(await server.SendAsync(queue.Name, "traced", headers: [("Diagnostic-Id", $"\"00-{traceId}-{spanId}-01\"")]),
            HttpStatusCode.Created);

        var send = Assert.Single(spans);
        Assert.Equal($"send {queue.Name}", send.DisplayName);
        Assert.Equal(traceId, send.TraceId);
        Assert.Equal(spanId, send.ParentSpanId);
    }
}
