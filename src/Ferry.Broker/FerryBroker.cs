using System.Collections.Concurrent;
using Ferry.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ferry.Broker;

/// <summary>
/// The broker core: one Service Bus namespace with its entities, over a durable <see cref="IMessageStore"/>.
/// No sockets, no HTTP: the wire layers (AMQP, REST) call into it.
/// </summary>
/// <remarks>Thread-safe. Open with <see cref="OpenAsync"/>, which recovers everything the store holds.</remarks>
public sealed partial class FerryBroker : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, QueueEntity> _queues = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _entityGate = new(1, 1);
    private readonly IMessageStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private bool _disposed;

    private FerryBroker(IMessageStore store, TimeProvider time, BrokerOptions options, ILogger logger)
    {
        _store = store;
        _time = time;
        Options = options;
        _logger = logger;
        _bodies = new BodyMemory(Math.Max(0, options.MessageBodyMemoryBytes));
    }

    private readonly BodyMemory _bodies;

    /// <summary>Bytes of message bodies the index holds in memory now (limit: <see cref="BrokerOptions.MessageBodyMemoryBytes"/>).</summary>
    public long MessageBodyMemoryBytes => _bodies.HeldBytes;

    public BrokerOptions Options { get; }

    public TimeProvider TimeProvider => _time;

    public IMessageStore Store => _store;

    /// <summary>Starts a local transaction; its operations are applied by one store commit (see <see cref="BrokerTransaction"/>).</summary>
    public BrokerTransaction CreateTransaction() => new(_store, _time);

    /// <summary>Recovers the store's entities and messages and returns a running broker.</summary>
    public static async Task<FerryBroker> OpenAsync(IMessageStore store, TimeProvider time, BrokerOptions? options = null, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        var broker = new FerryBroker(store, time, options ?? new BrokerOptions(), logger ?? NullLogger.Instance);
        // Index entries are made as the store reads each message (in entity order), so the stored records are garbage at once
        // and a large backlog is never held twice.
        var messagesByEntity = new Dictionary<string, List<MessageEntry>>(StringComparer.Ordinal);
        List<MessageEntry>? current = null;
        string? currentEntity = null;
        var state = await store.RecoverAsync(message =>
        {
            if (!string.Equals(message.Entity, currentEntity, StringComparison.Ordinal))
            {
                currentEntity = message.Entity;
                if (!messagesByEntity.TryGetValue(currentEntity, out current))
                    messagesByEntity[currentEntity] = current = [];
            }
            current!.Add(MessageEntry.FromStored(message));
        }, cancellationToken).ConfigureAwait(false);
        var duplicatesByEntity = new Dictionary<string, List<StoredDuplicate>>(StringComparer.Ordinal);
        foreach (var duplicate in state.Duplicates)
        {
            if (!duplicatesByEntity.TryGetValue(duplicate.Entity, out var list))
                duplicatesByEntity[duplicate.Entity] = list = [];
            list.Add(duplicate);
        }
        var sessionStatesByEntity = new Dictionary<string, List<StoredSessionState>>(StringComparer.Ordinal);
        foreach (var sessionState in state.SessionStates)
        {
            if (!sessionStatesByEntity.TryGetValue(sessionState.Entity, out var list))
                sessionStatesByEntity[sessionState.Entity] = list = [];
            list.Add(sessionState);
        }
        foreach (var stored in state.Entities)
        {
            if (stored.Kind != EntityKind.Topic)
                continue;
            var envelope = EntitySettingsJson.Deserialize(stored.Settings);
            var topic = new TopicEntity(envelope.Name, envelope.Topic ?? new TopicSettings(), envelope.Origin, stored.CreatedAt, stored.UpdatedAt, store, time);
            broker._topics[stored.Path] = topic;
        }
        foreach (var stored in state.Entities)
        {
            if (stored.Kind == EntityKind.Topic)
                continue;
            var envelope = EntitySettingsJson.Deserialize(stored.Settings);
            TopicEntity? owner = null;
            if (stored.Kind == EntityKind.Subscription)
            {
                var topicKey = stored.Path[..stored.Path.IndexOf(SubscriptionsSegment, StringComparison.Ordinal)];
                if (!broker._topics.TryGetValue(topicKey, out owner))
                {
                    broker._logger.LogWarning("Subscription {Subscription} has no topic in the store; it is skipped.", stored.Path);
                    continue;
                }
            }
            var queue = new QueueEntity(envelope.Name, envelope.Queue ?? new QueueSettings(), envelope.Origin, stored.CreatedAt, stored.UpdatedAt, store, time,
                broker._logger, owner);
            if (envelope.Rules is { } rules)
                queue.SetRules(rules.Select(EntitySettingsJson.FromStored));
            queue.ForwardResolver = broker.ResolveForward;
            queue.Bodies = broker._bodies;
            queue.Restore(state.LastSequenceNumbers.GetValueOrDefault(stored.Path),
                messagesByEntity.GetValueOrDefault(stored.Path) ?? [], duplicatesByEntity.GetValueOrDefault(stored.Path) ?? []);
            queue.RestoreSessionStates(sessionStatesByEntity.GetValueOrDefault(stored.Path) ?? []);
            if (owner is null)
            {
                broker._queues[stored.Path] = queue;
            }
            else
            {
                owner.AddSubscription(queue);
                broker._subscriptions[stored.Path] = queue;
            }
        }
        foreach (var (key, topic) in broker._topics)
        {
            long highest = 0;
            foreach (var subscription in topic.Subscriptions)
                highest = Math.Max(highest, subscription.LastSequenceNumber);
            topic.Restore(state.LastSequenceNumbers.GetValueOrDefault(key), duplicatesByEntity.GetValueOrDefault(key) ?? [], highest);
        }
        broker.StartIdleSweep();
        return broker;
    }

    /// <summary>Every queue, in no particular order.</summary>
    public IReadOnlyCollection<QueueEntity> Queues => (IReadOnlyCollection<QueueEntity>)_queues.Values;

    public bool TryGetQueue(string name, out QueueEntity queue) => _queues.TryGetValue(EntityNames.Key(name), out queue!);

    /// <summary>The queue named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="BrokerException">EntityNotFound.</exception>
    public QueueEntity GetQueue(string name) =>
        TryGetQueue(name, out var queue) ? queue : throw BrokerException.NotFound(EntityAddress(name));

    private ISendTarget? ResolveForward(string name) => TryGetSendTarget(name, out var target) ? target : null;

    /// <summary>The address of an entity as Service Bus names it in errors: <c>sb://host/path</c>.</summary>
    public string EntityAddress(string path) => $"sb://{Options.NamespaceHost}/{path}";

    /// <summary>
    /// Resolves a receive address: <c>queue</c> or <c>queue/$DeadLetterQueue</c> (case-insensitive). Returns false when
    /// no such entity exists.
    /// </summary>
    public bool TryResolve(string address, out QueueEntity queue, out SubQueue subQueue)
    {
        subQueue = SubQueue.Main;
        var path = address;
        if (path.EndsWith(EntityNames.DeadLetterSuffix, StringComparison.OrdinalIgnoreCase))
        {
            subQueue = SubQueue.DeadLetter;
            path = path[..^EntityNames.DeadLetterSuffix.Length];
        }
        return TryGetQueue(path, out queue) || _subscriptions.TryGetValue(EntityNames.Key(path), out queue!);
    }

    /// <summary>Creates a queue; durable when the task completes.</summary>
    /// <exception cref="BrokerException">InvalidArgument (name or settings), EntityAlreadyExists.</exception>
    public async Task<QueueEntity> CreateQueueAsync(string name, QueueSettings settings, EntityOrigin origin = EntityOrigin.Api,
        CancellationToken cancellationToken = default)
    {
        Validate(name, settings);
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var key = EntityNames.Key(name);
            if (_queues.ContainsKey(key) || _topics.ContainsKey(key))
                throw new BrokerException(BrokerErrorCode.EntityAlreadyExists, $"The messaging entity '{EntityAddress(name)}' already exists.");
            RefuseForwardingCycle(name, settings.ForwardTo);
            var now = _time.GetUtcNow();
            var queue = new QueueEntity(name, settings, origin, now, now, _store, _time, _logger) { ForwardResolver = ResolveForward, Bodies = _bodies };
            await _store.CommitAsync(new WriteBatch(1).PutEntity(queue.ToStored()), cancellationToken).ConfigureAwait(false);
            _queues[key] = queue;
            return queue;
        }
        finally
        {
            _entityGate.Release();
        }
    }

    /// <summary>Replaces a queue's settings; durable when the task completes.</summary>
    /// <exception cref="BrokerException">EntityNotFound, InvalidArgument (settings, or RequiresSession changed).</exception>
    public async Task<QueueEntity> UpdateQueueAsync(string name, QueueSettings settings, EntityOrigin origin = EntityOrigin.Api,
        CancellationToken cancellationToken = default)
    {
        Validate(name, settings);
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var queue = GetQueue(name);
            RefuseForwardingCycle(queue.Name, settings.ForwardTo);
            if (queue.Settings.RequiresSession != settings.RequiresSession)
            {
                throw new BrokerException(BrokerErrorCode.InvalidArgument,
                    $"RequiresSession cannot be changed on the existing queue '{name}'; delete and re-create it.");
            }
            queue.UpdateSettings(settings, origin, _time.GetUtcNow());
            await _store.CommitAsync(new WriteBatch(1).PutEntity(queue.ToStored()), cancellationToken).ConfigureAwait(false);
            return queue;
        }
        finally
        {
            _entityGate.Release();
        }
    }

    /// <summary>
    /// Creates the queue, or — when it exists with settings that came from the config file — updates it to
    /// <paramref name="settings"/>. A queue whose settings were changed through the management API keeps them.
    /// </summary>
    public async Task<QueueEntity> ApplyConfigQueueAsync(string name, QueueSettings settings, CancellationToken cancellationToken = default)
    {
        if (!TryGetQueue(name, out var existing))
            return await CreateQueueAsync(name, settings, EntityOrigin.Config, cancellationToken).ConfigureAwait(false);
        if (existing.Origin == EntityOrigin.Api || existing.Settings == settings)
            return existing;
        return await UpdateQueueAsync(name, settings, EntityOrigin.Config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a queue and all its messages; durable when the task completes. Its receivers are closed.</summary>
    /// <exception cref="BrokerException">EntityNotFound.</exception>
    public async Task DeleteQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var queue = GetQueue(name);
            _queues.TryRemove(queue.Key, out _);
            queue.Close(BrokerException.NotFound(EntityAddress(queue.Name)));
            await _store.CommitAsync(new WriteBatch(1).DeleteEntity(queue.Key), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _entityGate.Release();
        }
    }

    private static void Validate(string name, QueueSettings settings)
    {
        if (EntityNames.Validate(name) is { } nameError)
            throw new BrokerException(BrokerErrorCode.InvalidArgument, $"The entity name '{name}' is invalid: {nameError}");
        if (settings.Validate() is { } problem)
            throw new BrokerException(BrokerErrorCode.InvalidArgument, problem.Message);
    }

    /// <summary>Closes every receiver. The store is owned by the caller and is not disposed.</summary>
    public async ValueTask DisposeAsync()
    {
        await _entityGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
                return;
            _disposed = true;
            StopIdleSweep();
            var reason = new BrokerException(BrokerErrorCode.ShuttingDown, "The broker is shutting down.");
            foreach (var queue in _queues.Values)
                queue.Close(reason);
            foreach (var subscription in _subscriptions.Values)
                subscription.Close(reason);
            foreach (var topic in _topics.Values)
                topic.Close();
        }
        finally
        {
            _entityGate.Release();
        }
    }
}
