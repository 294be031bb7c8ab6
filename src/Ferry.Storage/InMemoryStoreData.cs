namespace Ferry.Storage;

/// <summary>
/// The contents of an <see cref="InMemoryMessageStore"/>, kept apart from the store so that a new store over the same data
/// behaves like a reopened durable one: tests and <c>--in-memory</c> hosts can "restart" without a disk.
/// </summary>
/// <remarks>Opaque; thread-safe through the stores that use it. Nothing in it survives the process.</remarks>
public sealed class InMemoryStoreData
{
    internal object SyncRoot { get; } = new();

    /// <summary>Per entity path; ordinal so that recovery order matches the SQLite engine for ASCII paths.</summary>
    internal SortedDictionary<string, InMemoryEntityData> Entities { get; } = new(StringComparer.Ordinal);
}
