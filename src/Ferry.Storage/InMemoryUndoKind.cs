namespace Ferry.Storage;

/// <summary>What an <see cref="InMemoryUndo"/> restores.</summary>
internal enum InMemoryUndoKind
{
    EntityData,
    Record,
    Sequence,
    Message,
    SessionState,
    Duplicate,
}
