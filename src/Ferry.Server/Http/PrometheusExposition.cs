using System.Globalization;
using System.Text;
using Ferry.Broker;
using Ferry.Storage;

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

    /// <param name="queues">Queues, then subscriptions (named <c>topic/Subscriptions/name</c>): each is one <c>queue</c> label value.</param>
    /// <param name="queueCount">How many of <paramref name="queues"/> are queues (the <c>ferry_queues</c> gauge).</param>
    /// <param name="connections">Open connections per listener name (amqp, http).</param>
    /// <param name="links">Open AMQP links per kind (send, receive, control).</param>
    /// <param name="store">The store's commit figures.</param>
    public static string Write(IReadOnlyList<QueueEntity> queues, int queueCount, IReadOnlyDictionary<string, long> connections,
        IReadOnlyDictionary<string, long> links, StoreStatistics store)
    {
        var sorted = queues.OrderBy(q => q.Name, StringComparer.Ordinal).ToList();
        var runtime = sorted.ConvertAll(q => q.GetRuntimeProperties());
        var text = new StringBuilder(4096 + sorted.Count * 1024);
        Header(text, "ferry_queues", "Queues in the namespace.", "gauge");
        Sample(text, "ferry_queues", null, queueCount);
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
        Header(text, "ferry_links_open", "Open AMQP links per kind: send (client senders), receive (client receivers), control ($cbs and $management).", "gauge");
        foreach (var (kind, count) in links.OrderBy(c => c.Key, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"ferry_links_open{{kind=\"{Escape(kind)}\"}} {count}\n");
        Histogram(text, "ferry_store_commit_duration_seconds", "Time from BEGIN to a synced COMMIT of one group commit of the store.", store.CommitSeconds);
        Histogram(text, "ferry_store_commit_batches", "Batches (atomic units of callers) merged into one group commit.", store.BatchesPerCommit);
        Histogram(text, "ferry_store_commit_operations", "Write operations in one group commit.", store.OperationsPerCommit);
        Header(text, "ferry_store_commit_failures_total", "Group commits that failed as a whole.", "counter");
        Sample(text, "ferry_store_commit_failures_total", null, store.FailedCommits);
        Header(text, "ferry_store_healthy", "1 while the store commits (the last group commit succeeded and its writer runs), else 0.", "gauge");
        Sample(text, "ferry_store_healthy", null, store.Healthy ? 1 : 0);
        return text.ToString();
    }

    private static void Histogram(StringBuilder text, string name, string help, BucketHistogram histogram)
    {
        Header(text, name, help, "histogram");
        var cumulative = histogram.CumulativeCounts();
        for (var i = 0; i < histogram.Bounds.Count; i++)
            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{histogram.Bounds[i]}\"}} {cumulative[i]}\n");
        // Count and sum are read after the buckets, so a concurrent record can make them larger, never the +Inf bucket.
        var count = Math.Max(cumulative[^1], histogram.Count);
        text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\"}} {count}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_sum {histogram.Sum}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_count {count}\n");
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
