namespace Ferry.Storage;

/// <summary>Everything the in-memory engine holds for one entity path. Guarded by <see cref="InMemoryStoreData.SyncRoot"/>.</summary>
internal sealed class InMemoryEntityData
{
    public StoredEntity? Record { get; set; }

    /// <summary>The highest sequence number ever assigned, or null before the first.</summary>
    public long? LastSequenceNumber { get; set; }

    /// <summary>Stored copies: bodies and overlays are private arrays, never the caller's.</summary>
    public SortedDictionary<long, StoredMessage> Messages { get; } = [];

    public SortedDictionary<string, byte[]> SessionStates { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, DateTimeOffset> Duplicates { get; } = new(StringComparer.Ordinal);

    public bool IsEmpty => Record is null && LastSequenceNumber is null && Messages.Count == 0
        && SessionStates.Count == 0 && Duplicates.Count == 0;
}
