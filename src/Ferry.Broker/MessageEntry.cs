using Ferry.Storage;

namespace Ferry.Broker;

/// <summary>
/// The in-memory index entry of one message. Mutated only under its entity's lock.
/// </summary>
internal sealed class MessageEntry
{
    public required long SequenceNumber { get; init; }

    public SubQueue SubQueue { get; set; }

    public MessageState State { get; set; }

    /// <summary>Previous delivery attempts (what the header's delivery-count shows on the next delivery).</summary>
    public int DeliveryCount { get; set; }

    // Times are kept as UTC ticks (0 for none): a million queued messages cost 64 MB less than with nullable
    // DateTimeOffset fields (24 bytes each). Everything the broker stores is UTC already.
    private long _enqueued;
    private long _scheduled;
    private long _expires;
    private long _visibleAfter;
    private long _lockedUntil;

    public DateTimeOffset EnqueuedTime
    {
        get => FromTicks(_enqueued);
        set => _enqueued = value.UtcTicks;
    }

    public DateTimeOffset? ScheduledEnqueueTime
    {
        get => _scheduled == 0 ? null : FromTicks(_scheduled);
        set => _scheduled = value?.UtcTicks ?? 0;
    }

    public DateTimeOffset? ExpiresAt
    {
        get => _expires == 0 ? null : FromTicks(_expires);
        set => _expires = value?.UtcTicks ?? 0;
    }

    public DateTimeOffset? VisibleAfter
    {
        get => _visibleAfter == 0 ? null : FromTicks(_visibleAfter);
        set => _visibleAfter = value?.UtcTicks ?? 0;
    }

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);

    // Most message ids are GUIDs in text form (the SDKs' samples, and what Ferry assigns when a message has none). Such an id
    // is kept as a boxed Guid (32 bytes) and written back when asked for, instead of its string (96 bytes for 36 characters):
    // a million queued messages cost 64 MB less. Any other id is kept as it came.
    private object? _messageId;
    private bool _messageIdWithoutHyphens;

    public string? MessageId
    {
        get => _messageId switch
        {
            Guid guid => guid.ToString(_messageIdWithoutHyphens ? "N" : "D"),
            var text => (string?)text,
        };
        init
        {
            if (TryCompact(value, out var guid, out var withoutHyphens))
            {
                _messageId = guid;
                _messageIdWithoutHyphens = withoutHyphens;
            }
            else
            {
                _messageId = value;
            }
        }
    }

    /// <summary>
    /// Keeps the message id as text from now on. Called when the message is locked for a delivery: its delivery-count
    /// update, its delivery and its settlement each ask for the id, and a compact id made a new string every time (about
    /// 90 bytes each). A locked message is usually completed soon; the messages waiting in a backlog stay compact.
    /// </summary>
    public void ExpandMessageId()
    {
        if (_messageId is Guid guid)
            _messageId = guid.ToString(_messageIdWithoutHyphens ? "N" : "D");
    }

    /// <summary>True when <paramref name="id"/> is a lower-case GUID in the "D" or "N" format, so it can be written back exactly.</summary>
    internal static bool TryCompact(string? id, out Guid guid, out bool withoutHyphens)
    {
        guid = default;
        withoutHyphens = id is { Length: 32 };
        if (id is not { Length: 36 or 32 })
            return false;
        var format = withoutHyphens ? "N" : "D";
        if (!Guid.TryParseExact(id, format, out guid))
            return false;
        Span<char> written = stackalloc char[36];
        return guid.TryFormat(written, out var length, format) && written[..length].SequenceEqual(id);
    }

    public string? SessionId { get; init; }

    public MessageOverlay? Overlay { get; set; }

    /// <summary>The encoded sections, or empty when not loaded from the store yet.</summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    public bool IsBodyLoaded { get; set; }

    /// <summary>
    /// The body is held only for the pass that publishes the message (a large body, or one over the broker's budget):
    /// receivers waiting then take it as it is, and the pass drops it. Not counted in the budget.
    /// </summary>
    public bool IsBodyUncounted { get; set; }

    /// <summary>The entry holds a body counted in the broker's budget: its bytes go back when the entry leaves memory.</summary>
    public bool HoldsCountedBody => IsBodyLoaded && !IsBodyUncounted;

    public int Size { get; init; }

    /// <summary>The current lock, or <see cref="Guid.Empty"/>.</summary>
    public Guid LockToken { get; set; }

    public DateTimeOffset LockedUntil
    {
        get => FromTicks(_lockedUntil);
        set => _lockedUntil = value.UtcTicks;
    }

    /// <summary>The ready structure the entry sits in, if any (lazy deletion: stale entries are skipped when reached).</summary>
    public ReadyQueue? ReadyIn { get; set; }

    /// <summary>False once the message left the entity (completed, deleted, expired, cancelled).</summary>
    public bool Alive { get; set; } = true;

    public bool IsLocked => LockToken != Guid.Empty;

    /// <summary>Ready to be handed out: alive, active, not locked, and not hidden by a retry delay.</summary>
    public bool IsAvailable(DateTimeOffset now) =>
        Alive && State == MessageState.Active && !IsLocked && (_visibleAfter == 0 || _visibleAfter <= now.UtcTicks);

    /// <summary>The index entry of a message the store recovered (no body loaded, no lock: locks do not survive a restart).</summary>
    public static MessageEntry FromStored(StoredMessage stored) => new()
    {
        SequenceNumber = stored.SequenceNumber,
        SubQueue = stored.SubQueue,
        State = stored.State,
        DeliveryCount = stored.DeliveryCount,
        EnqueuedTime = stored.EnqueuedTime,
        ScheduledEnqueueTime = stored.ScheduledEnqueueTime,
        ExpiresAt = stored.ExpiresAt,
        VisibleAfter = stored.VisibleAfter,
        MessageId = stored.MessageId,
        SessionId = stored.SessionId,
        Overlay = MessageOverlay.Deserialize(stored.Overlay),
        Size = stored.BodyLength,
    };

    /// <param name="messageIdText">The message id as text when the caller has it (a send has the string it arrived with), so a
    /// compact id is not turned back into a new string; it must equal <see cref="MessageId"/>.</param>
    public StoredMessage ToStored(string entity, bool withBody, int deliveryCountBump = 0, string? sharedBodyOwner = null, string? messageIdText = null) => new()
    {
        Entity = entity,
        SequenceNumber = SequenceNumber,
        SubQueue = SubQueue,
        State = State,
        DeliveryCount = DeliveryCount + deliveryCountBump,
        EnqueuedTime = EnqueuedTime,
        ScheduledEnqueueTime = ScheduledEnqueueTime,
        ExpiresAt = ExpiresAt,
        VisibleAfter = VisibleAfter,
        MessageId = messageIdText ?? MessageId,
        SessionId = SessionId,
        Overlay = Overlay?.Serialize(),
        Body = withBody ? Body : default,
        BodyLength = Size,
        SharedBodyOwner = sharedBodyOwner,
    };

    /// <summary>The message as the broker hands it out; without its lock for a browse (peek shows no lock).</summary>
    public BrokerMessage ToMessage(bool withLock = true) => new()
    {
        SequenceNumber = SequenceNumber,
        LockToken = withLock ? LockToken : Guid.Empty,
        LockedUntil = withLock && IsLocked ? LockedUntil : null,
        DeliveryCount = DeliveryCount,
        EnqueuedTime = EnqueuedTime,
        State = State,
        SubQueue = SubQueue,
        MessageId = MessageId,
        SessionId = SessionId,
        ScheduledEnqueueTime = ScheduledEnqueueTime,
        ExpiresAt = ExpiresAt,
        PropertyOverrides = Overlay?.Properties is { Count: > 0 } properties ? new Dictionary<string, object?>(properties, StringComparer.Ordinal) : null,
        RemovedProperties = Overlay?.RemovedProperties is { Count: > 0 } removed ? [.. removed] : null,
        SystemPropertyOverrides = Overlay?.SystemProperties is { Count: > 0 } system ? new Dictionary<Filters.SystemProperty, object?>(system) : null,
        DeadLetterSource = Overlay?.DeadLetterSource,
        Body = Body,
        IsBodyLoaded = IsBodyLoaded,
        Size = Size,
    };
}
