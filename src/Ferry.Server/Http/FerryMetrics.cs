using Ferry.Broker;
using Ferry.Server.Amqp;
using Ferry.Storage;
using Prometheus;

namespace Ferry.Server.Http;

/// <summary>
/// Ferry's Prometheus metrics, kept in a prometheus-net registry of this server's own (so several servers in one process
/// stay apart): per entity (queues, and subscriptions as <c>topic/Subscriptions/name</c>) gauges of the message counts and
/// size and counters since the process started, read from the broker just before each scrape; open connections per
/// listener and AMQP links per kind; the store's group commits as histograms (sync latency, batches and operations per
/// commit), observed as they happen.
/// </summary>
internal sealed class FerryMetrics : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly (string Name, string Help, Func<QueueRuntimeProperties, long> Value)[] EntityGauges =
    [
        ("ferry_queue_active_messages", "Active messages in the queue.", r => r.ActiveMessageCount),
        ("ferry_queue_dead_letter_messages", "Messages in the queue's dead-letter queue.", r => r.DeadLetterMessageCount),
        ("ferry_queue_scheduled_messages", "Scheduled messages in the queue.", r => r.ScheduledMessageCount),
        ("ferry_queue_deferred_messages", "Deferred messages in the queue.", r => r.DeferredMessageCount),
        ("ferry_queue_size_bytes", "Bytes of all the queue's messages.", r => r.SizeInBytes),
    ];

    private static readonly (string Name, string Help, Func<QueueEntity, long> Value)[] EntityCounters =
    [
        ("ferry_queue_messages_sent_total", "Messages stored by sends (duplicates dropped are not counted).", q => q.MessagesSent),
        ("ferry_queue_messages_received_total", "Messages delivered to receivers.", q => q.MessagesReceived),
        ("ferry_queue_messages_completed_total", "Messages completed.", q => q.MessagesCompleted),
        ("ferry_queue_messages_abandoned_total", "Messages abandoned.", q => q.MessagesAbandoned),
        ("ferry_queue_messages_dead_lettered_total", "Messages moved to the dead-letter queue, for any reason.", q => q.MessagesDeadLettered),
        ("ferry_queue_messages_expired_total", "Messages whose time-to-live ran out.", q => q.MessagesExpired),
        ("ferry_queue_lock_expiries_total", "Locks that expired without a settlement.", q => q.LockExpiries),
    ];

    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly FerryBroker _broker;
    private readonly LinkStatistics _links;
    private readonly StoreStatistics _store;
    private readonly Gauge _queues;
    private readonly Gauge[] _entityGauges;
    private readonly Counter[] _entityCounters;
    private readonly Gauge _connections;
    private readonly Gauge _openLinks;
    private readonly Histogram _commitSeconds;
    private readonly Histogram _commitBatches;
    private readonly Histogram _commitOperations;
    private readonly Counter _commitFailures;
    private readonly Gauge _storeHealthy;
    private readonly Counter _checkpoints;
    private readonly Counter _checkpointFailures;
    private readonly HashSet<string> _labelled = new(StringComparer.Ordinal);
    private readonly object _collectLock = new();

    public FerryMetrics(FerryBroker broker, LinkStatistics links)
    {
        _broker = broker;
        _links = links;
        _store = broker.Store.Statistics;
        var factory = Metrics.WithCustomRegistry(_registry);
        _queues = factory.CreateGauge("ferry_queues", "Queues in the namespace.");
        _entityGauges = Array.ConvertAll(EntityGauges, g => factory.CreateGauge(g.Name, g.Help, "queue"));
        _entityCounters = Array.ConvertAll(EntityCounters, c => factory.CreateCounter(c.Name, c.Help, "queue"));
        _connections = factory.CreateGauge("ferry_connections_open", "Open connections per listener.", "listener");
        _openLinks = factory.CreateGauge("ferry_links_open",
            "Open AMQP links per kind: send (client senders), receive (client receivers), control ($cbs and $management).", "kind");
        _commitSeconds = factory.CreateHistogram("ferry_store_commit_duration_seconds",
            "Time from BEGIN to a synced COMMIT of one group commit of the store.",
            new HistogramConfiguration { Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _commitBatches = factory.CreateHistogram("ferry_store_commit_batches", "Batches (atomic units of callers) merged into one group commit.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 10) });
        _commitOperations = factory.CreateHistogram("ferry_store_commit_operations", "Write operations in one group commit.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 13) });
        _commitFailures = factory.CreateCounter("ferry_store_commit_failures_total", "Group commits that failed as a whole.");
        _storeHealthy = factory.CreateGauge("ferry_store_healthy", "1 while the store commits (the last group commit succeeded and its writer runs), else 0.");
        _checkpoints = factory.CreateCounter("ferry_store_checkpoints_total",
            "Checkpoints that copied the store's write-ahead log into its database file.");
        _checkpointFailures = factory.CreateCounter("ferry_store_checkpoint_failures_total",
            "Checkpoints that failed; while they do, the write-ahead log grows.");
        _store.Committed += OnCommitted;
    }

    /// <summary>Writes every metric in the text exposition format, the per-entity ones read from the broker now.</summary>
    /// <param name="connections">Open connections per listener name (amqp, http).</param>
    public async Task ExportAsync(Stream output, IReadOnlyDictionary<string, long> connections, CancellationToken cancellationToken)
    {
        lock (_collectLock)
        {
            foreach (var (listener, open) in connections)
                _connections.WithLabels(listener).Set(open);
            Refresh();
        }
        await _registry.CollectAndExportAsTextAsync(output, cancellationToken).ConfigureAwait(false);
    }

    private void Refresh()
    {
        var entities = new List<QueueEntity>(_broker.Queues);
        _queues.Set(entities.Count);
        foreach (var topic in _broker.Topics)
            entities.AddRange(topic.Subscriptions);
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entity in entities)
        {
            present.Add(entity.Name);
            var runtime = entity.GetRuntimeProperties();
            for (var i = 0; i < EntityGauges.Length; i++)
                _entityGauges[i].WithLabels(entity.Name).Set(EntityGauges[i].Value(runtime));
            for (var i = 0; i < EntityCounters.Length; i++)
                _entityCounters[i].WithLabels(entity.Name).IncTo(EntityCounters[i].Value(entity));
        }
        // A deleted entity's series go with it (a re-created one starts its counters from 0, as a restarted process would).
        foreach (var gone in _labelled.Where(name => !present.Contains(name)).ToList())
        {
            foreach (var gauge in _entityGauges)
                gauge.RemoveLabelled(gone);
            foreach (var counter in _entityCounters)
                counter.RemoveLabelled(gone);
            _labelled.Remove(gone);
        }
        _labelled.UnionWith(present);
        _openLinks.WithLabels("send").Set(_links.Open(LinkKind.Send));
        _openLinks.WithLabels("receive").Set(_links.Open(LinkKind.Receive));
        _openLinks.WithLabels("control").Set(_links.Open(LinkKind.Control));
        _commitFailures.IncTo(_store.FailedCommits);
        _storeHealthy.Set(_store.Healthy ? 1 : 0);
        _checkpoints.IncTo(_store.Checkpoints);
        _checkpointFailures.IncTo(_store.CheckpointFailures);
    }

    private void OnCommitted(GroupCommit commit)
    {
        _commitSeconds.Observe(commit.Elapsed.TotalSeconds);
        _commitBatches.Observe(commit.Batches);
        _commitOperations.Observe(commit.Operations);
    }

    public void Dispose() => _store.Committed -= OnCommitted;
}
