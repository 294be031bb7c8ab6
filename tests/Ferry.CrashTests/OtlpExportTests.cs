using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Amqp;
using Amqp.Framing;

namespace Ferry.CrashTests;

/// <summary>
/// The real host with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set exports its spans and metrics over OTLP/HTTP. The collector
/// here is an HttpListener that keeps each protobuf payload; span names, metric names and the raw 16-byte trace id appear
/// in it as they are (protobuf writes strings and bytes unchanged).
/// </summary>
public class OtlpExportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Host_WithOtlpEndpoint_ExportsSendAndDeliverySpansOfTheMessagesTrace_AndStoreMetrics()
    {
        var root = Directory.CreateTempSubdirectory("ferry-otlp-");
        var port = FerryProcess.FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();
        var traceBytes = Convert.FromHexString(traceId.ToHexString());
        var spansSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var metricsSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var traces = new ConcurrentQueue<byte[]>();
        var collecting = CollectAsync(collector, (path, body) =>
        {
            if (path == "/v1/traces")
            {
                traces.Enqueue(body);
                var all = traces.SelectMany(b => b).ToArray();
                if (Contains(all, "send otlp-q") && Contains(all, "deliver otlp-q") && all.AsSpan().IndexOf(traceBytes) >= 0)
                    spansSeen.TrySetResult();
            }
            else if (path == "/v1/metrics" && Contains(body, "ferry.store.commit.duration") && Contains(body, "ferry.messages.sent"))
            {
                metricsSeen.TrySetResult();
            }
        });
        try
        {
            var config = Path.Combine(root.FullName, "Config.json");
            await File.WriteAllTextAsync(config, """
                {"UserConfig":{"Namespaces":[{"Name":"ns","Queues":[{"Name":"otlp-q","Properties":{}}],"Topics":[]}]}}
                """);
            var environment = new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
            };
            await using var host = await FerryProcess.StartAsync(Path.Combine(root.FullName, "data"), config, Timeout, environment);
            var connection = await Connection.Factory.CreateAsync(new Address(host.Address));
            try
            {
                var session = new Session(connection);
                var sender = new SenderLink(session, "otlp-sender", "otlp-q");
                await sender.SendAsync(new Message("traced")
                {
                    ApplicationProperties = new ApplicationProperties { ["Diagnostic-Id"] = $"00-{traceId}-{spanId}-01" },
                });
                var receiver = new ReceiverLink(session, "otlp-receiver", "otlp-q");
                var message = await receiver.ReceiveAsync(Timeout);
                Assert.NotNull(message);
                receiver.Accept(message);
            }
            finally
            {
                await connection.CloseAsync();
            }

            await spansSeen.Task.WaitAsync(Timeout);
            await metricsSeen.Task.WaitAsync(Timeout);
            Assert.Equal(0, await host.TerminateAsync(Timeout));
        }
        finally
        {
            collector.Stop();
            await collecting;
            root.Delete(recursive: true);
        }
    }

    private static bool Contains(byte[] payload, string text) => payload.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    /// <summary>Answers every export with 200 and an empty (valid, empty protobuf) response until the listener stops.</summary>
    private static async Task CollectAsync(HttpListener listener, Action<string, byte[]> received)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            received(context.Request.Url!.AbsolutePath, body.ToArray());
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }
}
