using System.Globalization;
using System.Net;
using Amqp;

namespace Ferry.Http.Tests;

public class MetricsTests : IClassFixture<AdminServer>
{
    private readonly AdminServer _server;

    public MetricsTests(AdminServer server) => _server = server;

    private async Task<string> ScrapeAsync()
    {
        var response = await _server.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    private static long Sample(string text, string metric, string labels)
    {
        var prefix = $"{metric}{{{labels}}} ";
        var line = text.Split('\n').SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(line is not null, $"No sample {prefix} in:\n{text}");
        return long.Parse(line![prefix.Length..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Metrics_GaugesAndCountersFollowTheQueue()
    {
        var queue = await _server.CreateQueueAsync();
        var label = $"queue=\"{queue.Name}\"";
        for (var i = 0; i < 3; i++)
            await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", $"{{\"body\":{i}}}", HttpStatusCode.Created);
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":9,\"scheduledEnqueueTime\":\"2099-01-01T00:00:00Z\"}", HttpStatusCode.Created);
        await BrokerMoves.DeadLetterAsync(queue, 1);

        var connection = await Connection.Factory.CreateAsync(_server.AmqpAddress);
        try
        {
            var session = new Session(connection);
            var receiver = new ReceiverLink(session, "metrics-receiver", queue.Name);
            var first = await receiver.ReceiveAsync(AdminServer.Timeout);
            receiver.Accept(first);
            var second = await receiver.ReceiveAsync(AdminServer.Timeout);
            receiver.Release(second);
            await receiver.CloseAsync();

            var text = await ScrapeAsync();
            Assert.Contains("# TYPE ferry_queue_active_messages gauge", text);
            Assert.Contains("# TYPE ferry_queue_messages_sent_total counter", text);
            Assert.Equal(4, Sample(text, "ferry_queue_messages_sent_total", label));
            Assert.Equal(1, Sample(text, "ferry_queue_messages_dead_lettered_total", label));
            Assert.Equal(1, Sample(text, "ferry_queue_dead_letter_messages", label));
            Assert.Equal(1, Sample(text, "ferry_queue_scheduled_messages", label));
            Assert.Equal(0, Sample(text, "ferry_queue_deferred_messages", label));
            Assert.True(Sample(text, "ferry_queue_size_bytes", label) > 0);
            Assert.True(Sample(text, "ferry_connections_open", "listener=\"amqp\"") >= 1);
            Assert.True(Sample(text, "ferry_connections_open", "listener=\"http\"") >= 1);
            // Settlements travel back asynchronously: wait for them to show rather than sleeping.
            var deadline = DateTime.UtcNow + AdminServer.Timeout;
            while (DateTime.UtcNow < deadline && (queue.MessagesCompleted < 1 || queue.MessagesAbandoned < 1))
                await Task.Delay(10);
            text = await ScrapeAsync();
            Assert.Equal(1, Sample(text, "ferry_queue_messages_completed_total", label));
            Assert.Equal(1, Sample(text, "ferry_queue_messages_abandoned_total", label));
            Assert.True(Sample(text, "ferry_queue_messages_received_total", label) >= 3);
            Assert.Equal(1, Sample(text, "ferry_queue_active_messages", label));
        }
        finally
        {
            await connection.CloseAsync();
        }
    }
}
