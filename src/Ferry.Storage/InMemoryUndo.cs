namespace Ferry.Storage;

/// <summary>One step of an in-memory batch's undo log: how to put back what an operation changed.</summary>
/// <param name="Kind">Which field was changed.</param>
/// <param name="Path">The entity path.</param>
/// <param name="Data">The entity's container that was changed (for <see cref="InMemoryUndoKind.EntityData"/>: the previous one, or null).</param>
/// <param name="SequenceNumber">The message key, or the previous last sequence number.</param>
/// <param name="Key">The session id or message id.</param>
/// <param name="Previous">The previous value, or null when there was none.</param>
internal readonly record struct InMemoryUndo(
    InMemoryUndoKind Kind,
    string Path,
    InMemoryEntityData? Data,
    long? SequenceNumber = null,
    string? Key = null,
    object? Previous = null);
