using System.Globalization;
using System.Text;
using Ferry.Broker;

namespace Ferry.Server.Http;

/// <summary>
/// Writes Ferry's metrics in the Prometheus text exposition format (version 0.0.4): per-queue gauges of the message
/// counts and size, per-queue counters since the process started, and open connections per listener.
/// </summary>
internal static class PrometheusExposition
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly (string Name, string Help, Func<QueueRuntimeProperties, long> Value)[] Gauges =
    [
        ("ferry_queue_active_messages", "Active messages in the queue.", r => r.ActiveMessageCount),
        ("ferry_queue_dead_letter_messages", "Messages in the queue's dead-letter queue.", r => r.DeadLetterMessageCount),
        ("ferry_queue_scheduled_messages", "Scheduled messages in the queue.", r => r.ScheduledMessageCount),
        ("ferry_queue_deferred_messages", "Deferred messages in the queue.", r => r.DeferredMessageCount),
        ("ferry_queue_size_bytes", "Bytes of all the queue's messages.", r => r.SizeInBytes),
    ];

    private static readonly (string Name, string Help, Func<QueueEntity, long> Value)[] Counters =
    [
        ("ferry_queue_messages_sent_total", "Messages stored by sends (duplicates dropped are not counted).", q => q.MessagesSent),
        ("ferry_queue_messages_received_total", "Messages delivered to receivers.", q => q.MessagesReceived),
        ("ferry_queue_messages_completed_total", "Messages completed.", q => q.MessagesCompleted),
        ("ferry_queue_messages_abandoned_total", "Messages abandoned.", q => q.MessagesAbandoned),
        ("ferry_queue_messages_dead_lettered_total", "Messages moved to the dead-letter queue, for any reason.", q => q.MessagesDeadLettered),
        ("ferry_queue_messages_expired_total", "Messages whose time-to-live ran out.", q => q.MessagesExpired),
        ("ferry_queue_lock_expiries_total", "Locks that expired without a settlement.", q => q.LockExpiries),
    ];

    /// <param name="connections">Open connections per listener name (amqp, http).</param>
    public static string Write(IReadOnlyCollection<QueueEntity> queues, IReadOnlyDictionary<string, long> connections)
    {
        var sorted = queues.OrderBy(q => q.Name, StringComparer.Ordinal).ToList();
        var runtime = sorted.ConvertAll(q => q.GetRuntimeProperties());
        var text = new StringBuilder(1024 + sorted.Count * 1024);
        Header(text, "ferry_queues", "Queues in the namespace.", "gauge");
        Sample(text, "ferry_queues", null, sorted.Count);
        foreach (var (name, help, value) in Gauges)
        {
            Header(text, name, help, "gauge");
            for (var i = 0; i < sorted.Count; i++)
                Sample(text, name, sorted[i].Name, value(runtime[i]));
        }
        foreach (var (name, help, value) in Counters)
        {
            Header(text, name, help, "counter");
            foreach (var queue in sorted)
                Sample(text, name, queue.Name, value(queue));
        }
        Header(text, "ferry_connections_open", "Open connections per listener.", "gauge");
        foreach (var (listener, count) in connections.OrderBy(c => c.Key, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"ferry_connections_open{{listener=\"{Escape(listener)}\"}} {count}\n");
        return text.ToString();
    }

    private static void Header(StringBuilder text, string name, string help, string type) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");

    private static void Sample(StringBuilder text, string name, string? queue, long value)
    {
        text.Append(name);
        if (queue is not null)
            text.Append("{queue=\"").Append(Escape(queue)).Append("\"}");
        text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
