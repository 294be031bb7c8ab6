namespace Ferry.Storage;

/// <summary>Everything an engine returns at start-up. Messages come in (entity, sequence number) order without bodies.</summary>
public sealed class RecoveredState
{
    public required IReadOnlyList<StoredEntity> Entities { get; init; }

    public required IReadOnlyList<StoredMessage> Messages { get; init; }

    /// <summary>Per entity path: the highest sequence number ever assigned (so numbers are never reused).</summary>
    public required IReadOnlyDictionary<string, long> LastSequenceNumbers { get; init; }

    /// <summary>Session state per (entity, session id).</summary>
    public required IReadOnlyList<StoredSessionState> SessionStates { get; init; }

    /// <summary>Duplicate-detection history entries that were not yet pruned.</summary>
    public required IReadOnlyList<StoredDuplicate> Duplicates { get; init; }
}
