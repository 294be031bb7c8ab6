using Ferry.Storage;

namespace Ferry.Broker;

/// <summary>
/// A topic: it assigns sequence numbers and detects duplicates like a queue, then fans each message out to every
/// subscription whose rules match. Subscriptions are <see cref="QueueEntity"/> instances in their own right.
/// </summary>
/// <remarks>
/// A send is one store commit holding the copy for every matching subscription, so it is atomic across them: all
/// subscriptions get the message or none does. Rules are read without locks (each subscription swaps its rule array
/// as a whole), so fan-out never takes two entity locks at once.
/// </remarks>
public sealed class TopicEntity : ISendTarget
{
    private readonly Lock _sync = new();
    private readonly IMessageStore _store;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, DateTimeOffset> _duplicates = new(StringComparer.Ordinal);
    private QueueEntity[] _subscriptions = [];
    private long _lastSequenceNumber;
    private bool _closed;

    internal TopicEntity(string name, TopicSettings settings, EntityOrigin origin, DateTimeOffset createdAt, DateTimeOffset updatedAt,
        IMessageStore store, TimeProvider time)
    {
        Name = name;
        Key = EntityNames.Key(name);
        Settings = settings;
        Origin = origin;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        _store = store;
        _time = time;
    }

    public string Name { get; }

    public string Key { get; }

    public TopicSettings Settings { get; private set; }

    public EntityOrigin Origin { get; private set; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset UpdatedAt { get; private set; }

    long ISendTarget.MaxMessageSize => Settings.MaxMessageSizeInKilobytes * 1024L;

    private int _senders;

    /// <inheritdoc />
    public int SenderCount => Volatile.Read(ref _senders);

    /// <inheritdoc />
    public void TrackSender(int delta) => Interlocked.Add(ref _senders, delta);

    bool ISendTarget.EvaluatesRules => true;

    /// <summary>The topic's subscriptions, in no particular order.</summary>
    public IReadOnlyList<QueueEntity> Subscriptions => Volatile.Read(ref _subscriptions);

    /// <summary>
    /// Takes <paramref name="count"/> new sequence numbers for messages put straight into one subscription (a dead-letter
    /// replay), so they never collide with the topic's. The caller's batch raises the topic's stored sequence to the last.
    /// </summary>
    /// <returns>The first of the numbers.</returns>
    internal long ReserveSequenceNumbers(int count)
    {
        lock (_sync)
        {
            var first = _lastSequenceNumber + 1;
            _lastSequenceNumber += count;
            return first;
        }
    }

    public long LastSequenceNumber
    {
        get { lock (_sync) return _lastSequenceNumber; }
    }

    internal StoredEntity ToStored() => new(Key, EntityKind.Topic, EntitySettingsJson.Serialize(Settings, Origin, Name), CreatedAt, UpdatedAt);

    internal void UpdateSettings(TopicSettings settings, EntityOrigin origin, DateTimeOffset now)
    {
        lock (_sync)
        {
            Settings = settings;
            Origin = origin;
            UpdatedAt = now;
        }
    }

    internal void AddSubscription(QueueEntity subscription)
    {
        lock (_sync)
            Volatile.Write(ref _subscriptions, [.. _subscriptions, subscription]);
    }

    internal void RemoveSubscription(QueueEntity subscription)
    {
        lock (_sync)
            Volatile.Write(ref _subscriptions, [.. _subscriptions.Where(s => s != subscription)]);
    }

    internal void Restore(long lastSequenceNumber, IEnumerable<StoredDuplicate> duplicates, long subscriptionsLastSequence)
    {
        lock (_sync)
        {
            _lastSequenceNumber = Math.Max(lastSequenceNumber, subscriptionsLastSequence);
            var now = _time.GetUtcNow();
            foreach (var duplicate in duplicates)
            {
                if (duplicate.ExpiresAt > now)
                    _duplicates[duplicate.MessageId] = duplicate.ExpiresAt;
            }
        }
    }

    internal void Close()
    {
        lock (_sync)
            _closed = true;
    }

    /// <inheritdoc />
    public async Task<long[]> SendAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        // The batch always holds the topic's sequence-number raise, so it is never empty.
        var batch = new WriteBatch(messages.Count * (Subscriptions.Count + 1));
        return await PrepareSend(messages, batch).CommitAndPublishAsync(_store, batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The first half of a send: assigns sequence numbers, evaluates rules and adds a copy per matching subscription to
    /// <paramref name="batch"/>, and the copies of forwarding subscriptions at their targets. The caller commits the batch,
    /// then calls <see cref="PreparedSend.Publish"/> (or <see cref="PreparedSend.Abort"/>).
    /// </summary>
    internal PreparedSend PrepareSend(IReadOnlyList<IncomingMessage> messages, WriteBatch batch)
    {
        var settings = Settings;
        if (settings.Status is EntityStatus.Disabled or EntityStatus.SendDisabled)
            throw new BrokerException(BrokerErrorCode.EntityDisabled, $"Messaging entity '{Name}' is currently disabled for send (status {settings.Status}).");
        var maxSize = settings.MaxMessageSizeInKilobytes * 1024L;
        foreach (var message in messages)
        {
            if (message.Body.Length > maxSize)
            {
                throw new BrokerException(BrokerErrorCode.MessageSizeExceeded,
                    $"The received message (size {message.Body.Length} bytes) exceeds the limit ({maxSize} bytes) currently allowed on the entity '{Name}'.");
            }
        }

        var now = _time.GetUtcNow();
        var subscriptions = Subscriptions;
        var sequenceNumbers = new long[messages.Count];
        var fanOut = new List<MessageEntry>[subscriptions.Count];
        Dictionary<ISendTarget, List<IncomingMessage>>? forwards = null;
        var copies = new List<(QueueEntity Subscription, MessageEntry Entry)>(subscriptions.Count);
        List<string>? newDuplicates = null;
        long sequenceNumberOfCurrent = 0;

        // Routes one subscription's copy: forwarded, stored under the topic's sequence number (its body shared with the
        // other subscriptions' copies), or, for a second copy in the same subscription, stored under a number of its own.
        // Returns whether the sequence number was used.
        bool Route(QueueEntity subscription, int index, long copySequence, IncomingMessage copy)
        {
            if (subscription.Settings.RequiresSession && string.IsNullOrEmpty(copy.SessionId))
                return false; // Azure drops (does not deliver) session-less messages for a session subscription.
            if (subscription.ForwardTarget(subscription.Settings.ForwardTo, [copy]) is { } forwardTo)
            {
                forwards ??= [];
                if (!forwards.TryGetValue(forwardTo, out var list))
                    forwards[forwardTo] = list = [];
                list.Add(new IncomingMessage
                {
                    Body = copy.Body,
                    MessageId = copy.MessageId,
                    SessionId = copy.SessionId,
                    TimeToLive = copy.TimeToLive,
                    ScheduledEnqueueTime = copy.ScheduledEnqueueTime,
                    FilterView = copy.FilterView,
                    Overlay = copy.Overlay,
                    ForwardHops = copy.ForwardHops + 1,
                });
                return false;
            }
            AddCopy(subscription, index, copySequence, copy, null);
            return true;
        }

        void AddCopy(QueueEntity subscription, int index, long copySequence, IncomingMessage copy, string? error)
        {
            var entry = subscription.CreateEntryFromTopic(copySequence, copy, now, error);
            (fanOut[index] ??= []).Add(entry);
            if (copySequence == sequenceNumberOfCurrent)
                copies.Add((subscription, entry));
            else
                batch.InsertMessage(entry.ToStored(subscription.Key, withBody: true));
        }

        lock (_sync)
        {
            if (_closed)
                throw BrokerException.NotFound(Name);
            for (var i = 0; i < messages.Count; i++)
            {
                var message = messages[i];
                var messageId = message.MessageId ?? Guid.NewGuid().ToString("N");
                if (settings.RequiresDuplicateDetection)
                {
                    if (_duplicates.TryGetValue(messageId, out var until) && until > now)
                        continue;
                    _duplicates[messageId] = now + settings.DuplicateDetectionHistoryTimeWindow;
                    (newDuplicates ??= []).Add(messageId);
                    batch.PutDuplicate(Key, messageId, now + settings.DuplicateDetectionHistoryTimeWindow);
                }
                var sequenceNumber = ++_lastSequenceNumber;
                sequenceNumberOfCurrent = sequenceNumber;
                sequenceNumbers[i] = sequenceNumber;
                var scheduled = message.ScheduledEnqueueTime is { } at && at > now ? at : (DateTimeOffset?)null;
                if (message.FilterView is Filters.FilterMessage view)
                {
                    // sys.SequenceNumber and sys.EnqueuedTimeUtc are the broker's to give.
                    view.SequenceNumber = sequenceNumber;
                    view.EnqueuedTime = scheduled ?? now;
                }
                var ttl = message.TimeToLive is { } t && t < settings.DefaultMessageTimeToLive ? t : settings.DefaultMessageTimeToLive;
                var capped = new IncomingMessage
                {
                    Body = message.Body,
                    MessageId = messageId,
                    SessionId = message.SessionId,
                    TimeToLive = ttl == TimeSpan.MaxValue ? null : ttl,
                    ScheduledEnqueueTime = scheduled,
                    FilterView = message.FilterView,
                    Overlay = message.Overlay,
                    ForwardHops = message.ForwardHops,
                };
                for (var s = 0; s < subscriptions.Count; s++)
                {
                    var subscription = subscriptions[s];
                    var (matched, actionCopies, error) = subscription.Evaluate(message.FilterView);
                    if (error is not null)
                    {
                        if (subscription.Settings.DeadLetteringOnFilterEvaluationExceptions)
                            AddCopy(subscription, s, sequenceNumber, capped, error);
                        continue;
                    }
                    // Azure: one copy for all matching rules without an action, one more per matching rule with one.
                    var copySequence = sequenceNumber;
                    if (matched && Route(subscription, s, copySequence, capped))
                        copySequence = 0;
                    if (actionCopies is null)
                        continue;
                    foreach (var (ruleName, modification) in actionCopies)
                    {
                        var copy = QueueEntity.CopyForRule(capped, messageId, ruleName, modification, now);
                        if (Route(subscription, s, copySequence == 0 ? ++_lastSequenceNumber : copySequence, copy))
                            copySequence = 0;
                    }
                }
                WriteCopies(batch, copies, sequenceNumber, message.Body);
                copies.Clear();
            }
            batch.RaiseSequenceNumber(Key, _lastSequenceNumber);
        }
        // Auto-forwarded copies go into the same batch at their targets: the fan-out and the forwards are one commit.
        var forwarded = new List<PreparedSend>(forwards?.Count ?? 0);
        if (forwards is not null)
        {
            try
            {
                foreach (var (target, list) in forwards)
                    forwarded.Add(PreparedSend.For(target, list, batch));
            }
            catch
            {
                foreach (var send in forwarded)
                    send.Abort();
                if (newDuplicates is not null)
                    ForgetDuplicates(newDuplicates);
                throw;
            }
        }
        return new PreparedTopicSend(this, subscriptions, fanOut, forwarded, sequenceNumbers, newDuplicates);
    }

    /// <summary>A prepared send was not committed: its message-ids leave the duplicate history again.</summary>
    internal void ForgetDuplicates(List<string> messageIds)
    {
        lock (_sync)
        {
            foreach (var id in messageIds)
                _duplicates.Remove(id);
        }
    }

    /// <summary>
    /// One message's copies: with two or more, the body is written once (owned by the topic, keyed by the sequence
    /// number) and each subscription's row refers to it, so a fan-out to N subscriptions costs one body write, not N.
    /// </summary>
    private void WriteCopies(WriteBatch batch, List<(QueueEntity Subscription, MessageEntry Entry)> copies, long sequenceNumber,
        ReadOnlyMemory<byte> body)
    {
        if (copies.Count == 1)
        {
            batch.InsertMessage(copies[0].Entry.ToStored(copies[0].Subscription.Key, withBody: true));
            return;
        }
        if (copies.Count == 0)
            return;
        batch.PutBody(Key, sequenceNumber, body);
        foreach (var (subscription, entry) in copies)
            batch.InsertMessage(entry.ToStored(subscription.Key, withBody: false, sharedBodyOwner: Key));
    }

    /// <inheritdoc />
    public async Task CancelScheduledAsync(IReadOnlyList<long> sequenceNumbers, CancellationToken cancellationToken = default)
    {
        foreach (var subscription in Subscriptions)
            await subscription.CancelScheduledAsync(sequenceNumbers, cancellationToken).ConfigureAwait(false);
    }
}
