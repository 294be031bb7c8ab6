namespace Ferry.Storage;

/// <summary>What a <see cref="WriteOperation"/> does.</summary>
public enum WriteOperationKind
{
    PutEntity,
    DeleteEntity,
    InsertMessage,
    UpdateMessage,
    DeleteMessage,
    PutSessionState,
    DeleteSessionState,
    PutDuplicate,
    PruneDuplicates,
    RaiseSequenceNumber,
    PutBody,
}
