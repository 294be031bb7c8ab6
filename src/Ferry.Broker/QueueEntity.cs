using Ferry.Storage;
using Microsoft.Extensions.Logging;

namespace Ferry.Broker;

/// <summary>
/// A queue: its settings, its messages (main and dead-letter sub-queues), locks, timers and receivers.
/// </summary>
/// <remarks>
/// <para>Memory is an index, the store is the truth: every change that must survive a crash is committed to the
/// <see cref="IMessageStore"/>, and operations a client waits for (send, settle) complete only after that commit.</para>
/// <para>All state is guarded by one lock per entity. Time comes from the broker's <see cref="TimeProvider"/>; one
/// timer per entity serves every due time (scheduled activation, lock expiry, TTL, retry delay).</para>
/// </remarks>
public sealed partial class QueueEntity : ISendTarget
{
    private readonly Lock _sync = new();
    private readonly IMessageStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SubQueueState _main = new(SubQueue.Main);
    private readonly SubQueueState _deadLetter = new(SubQueue.DeadLetter);
    private readonly Dictionary<Guid, MessageEntry> _locks = [];
    private readonly Dictionary<string, DateTimeOffset> _duplicates = new(StringComparer.Ordinal);
    private readonly PriorityQueue<(TimerKind Kind, object Target), DateTimeOffset> _timers = new();
    private readonly ITimer _timer;
    private DateTimeOffset _timerDue = DateTimeOffset.MaxValue;
    private long _lastSequenceNumber;
    private long _activeCount;
    private long _deferredCount;
    private long _scheduledCount;
    private long _deadLetterCount;
    private long _sizeInBytes;
    private long _reservedBytes;
    private int _duplicatePruneThreshold = 1024;
    private DateTimeOffset _accessedAt;
    private bool _closed;

    internal QueueEntity(string name, QueueSettings settings, EntityOrigin origin, DateTimeOffset createdAt, DateTimeOffset updatedAt,
        IMessageStore store, TimeProvider time, ILogger logger, TopicEntity? topic = null)
    {
        Topic = topic;
        Name = name;
        Key = EntityNames.Key(name);
        Settings = settings;
        Origin = origin;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        _accessedAt = updatedAt;
        _store = store;
        _time = time;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((QueueEntity)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>For a subscription: its topic; null for a queue.</summary>
    public TopicEntity? Topic { get; }

    public EntityKind Kind => Topic is null ? EntityKind.Queue : EntityKind.Subscription;

    long ISendTarget.MaxMessageSize => Settings.MaxMessageSizeInKilobytes * 1024L;

    bool ISendTarget.EvaluatesRules => false;

    /// <summary>The name as it was created (Service Bus names are case-insensitive; <see cref="Key"/> is the lower-cased form).</summary>
    public string Name { get; }

    public string Key { get; }

    public QueueSettings Settings { get; private set; }

    /// <summary>Where the current settings came from: the config file, or the management API (which then wins over the file).</summary>
    public EntityOrigin Origin { get; private set; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>The last sequence number assigned; numbers are never reused, even across restarts.</summary>
    public long LastSequenceNumber
    {
        get { lock (_sync) return _lastSequenceNumber; }
    }

    public QueueRuntimeProperties GetRuntimeProperties()
    {
        lock (_sync)
        {
            return new QueueRuntimeProperties(Name, _activeCount, _deadLetterCount, _scheduledCount, _deferredCount, 0, 0,
                _sizeInBytes, CreatedAt, UpdatedAt, _accessedAt);
        }
    }

    internal StoredEntity ToStored() => new(Key, Kind, EntitySettingsJson.Serialize(Settings, Origin, Name, Rules), CreatedAt, UpdatedAt);

    internal void UpdateSettings(QueueSettings settings, EntityOrigin origin, DateTimeOffset now)
    {
        lock (_sync)
        {
            Settings = settings;
            Origin = origin;
            UpdatedAt = now;
            if (settings.Status is EntityStatus.Disabled or EntityStatus.ReceiveDisabled)
                CloseReceivers(new BrokerException(BrokerErrorCode.EntityDisabled, DisabledMessage("receive")));
            else
                Pump(_main);
        }
    }

    internal void Close(BrokerException reason)
    {
        lock (_sync)
        {
            _closed = true;
            CloseReceivers(reason);
            // The entity's messages leave memory with it: give their bodies' bytes back to the broker's budget.
            foreach (var queue in (ReadOnlySpan<SubQueueState>)[_main, _deadLetter])
            {
                foreach (var entry in queue.All)
                {
                    if (entry.HoldsCountedBody)
                        Bodies?.Release(entry.Size);
                }
            }
            _timer.Dispose();
        }
    }

    private void CloseReceivers(BrokerException reason)
    {
        foreach (var queue in (ReadOnlySpan<SubQueueState>)[_main, _deadLetter])
        {
            foreach (var receiver in queue.Receivers)
            {
                receiver.Closed = true;
                receiver.Sink.OnClosed(receiver, reason);
            }
            queue.Receivers.Clear();
        }
    }

    private SubQueueState Queue(SubQueue subQueue) => subQueue == SubQueue.DeadLetter ? _deadLetter : _main;

    private string DisabledMessage(string operation) =>
        $"Messaging entity '{Name}' is currently disabled for {operation} (status {Settings.Status}).";

    private void ThrowIfClosed()
    {
        if (_closed)
            throw BrokerException.NotFound(Name);
    }

    // Counts follow every transition: Uncount before changing SubQueue/State, Count after.
    private void Count(MessageEntry entry, int sign)
    {
        if (entry.SubQueue == SubQueue.Main && entry.SessionId is { } sessionId && Settings.RequiresSession)
            GetOrCreateSession(sessionId).MessageCount += sign;
        if (entry.SubQueue == SubQueue.DeadLetter)
            _deadLetterCount += sign;
        else if (entry.State == MessageState.Scheduled)
            _scheduledCount += sign;
        else if (entry.State == MessageState.Deferred)
            _deferredCount += sign;
        else
            _activeCount += sign;
    }

    /// <summary>Removes an entry from the entity for good (completed, deleted, expired, cancelled).</summary>
    private void Remove(MessageEntry entry)
    {
        if (!entry.Alive)
            return;
        Count(entry, -1);
        entry.Alive = false;
        if (entry.IsLocked)
        {
            _locks.Remove(entry.LockToken);
            entry.LockToken = Guid.Empty;
        }
        Queue(entry.SubQueue).All.Remove(entry);
        _sizeInBytes -= entry.Size;
        // The entry may still be read after this (a dead-letter forward sends its body on), so only the count goes.
        if (entry.HoldsCountedBody)
            Bodies?.Release(entry.Size);
        OnRemovedForTimers();
    }

    /// <summary>The broker's budget for bodies kept in memory; null for an entity outside a broker (tests).</summary>
    internal BodyMemory? Bodies { get; set; }

    private void Persist(WriteBatch batch)
    {
        var commit = _store.CommitAsync(batch);
        if (commit.IsCompletedSuccessfully)
            return;
        _ = LogFailure(commit.AsTask(), _logger, Name);

        static async Task LogFailure(Task commit, ILogger logger, string name)
        {
            try
            {
                await commit.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "A background store write for entity {Entity} failed; the change will not survive a restart.", name);
            }
        }
    }

    private void PersistUpdate(MessageEntry entry, int deliveryCountBump = 0)
    {
        var stored = entry.ToStored(Key, withBody: false, deliveryCountBump);
        Persist(new WriteBatch(1).UpdateMessage(stored));
    }
}
