namespace Ferry.Storage;

/// <summary>One operation of a <see cref="WriteBatch"/>; which fields are set depends on <see cref="Kind"/>.</summary>
public readonly record struct WriteOperation(
    WriteOperationKind Kind,
    string Entity,
    StoredEntity? EntityRecord = null,
    StoredMessage? Message = null,
    long SequenceNumber = 0,
    string? Key = null,
    byte[]? Data = null,
    DateTimeOffset Time = default);
