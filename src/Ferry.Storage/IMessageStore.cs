namespace Ferry.Storage;

/// <summary>
/// The storage contract every Ferry engine implements. The broker owns all state in memory and treats the store
/// as the durable truth it rebuilds that state from.
/// </summary>
/// <remarks>
/// <para><b>Atomicity.</b> Every <see cref="WriteBatch"/> passed to <see cref="CommitAsync"/> is applied entirely or
/// not at all. Batches from concurrent callers may be merged into one physical transaction (group commit); they are
/// applied in the order <see cref="CommitAsync"/> was called.</para>
/// <para><b>Durability.</b> When the task returned by <see cref="CommitAsync"/> completes successfully, the batch is
/// on stable storage (for the embedded engine: fsync/fdatasync of the write-ahead log), unless the engine was opened
/// in a mode documented as relaxed. A crash at any moment after that loses nothing in it; a crash before it leaves
/// either all of it or none of it.</para>
/// <para><b>Threading.</b> All members are safe to call from any thread concurrently.</para>
/// <para><b>Failures.</b> A failed commit faults the returned task with <see cref="StoreException"/>; nothing of that
/// batch is applied. The engine stays usable for later batches where the fault was transient.</para>
/// <para><b>Time.</b> Times are kept exact to the tick and come back in UTC (offset zero); the offset given is not kept.</para>
/// <para><b>Disposal.</b> <see cref="IAsyncDisposable.DisposeAsync"/> lets every batch already accepted finish (commit or
/// fail), then releases the engine. Calls after it fault with <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
public interface IMessageStore : IAsyncDisposable
{
    /// <summary>Loads everything needed to rebuild the broker's in-memory index. Called once, before any write.</summary>
    /// <remarks>
    /// Message bodies are not loaded; read them with <see cref="ReadBodyAsync"/>. Duplicate-detection entries are returned
    /// whether expired or not: the store has no clock, so the broker drops the expired ones (and prunes them).
    /// </remarks>
    ValueTask<RecoveredState> RecoverAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="RecoverAsync(CancellationToken)"/>, but hands each message to <paramref name="onMessage"/> as it is
    /// read, in (entity, sequence number) order, instead of collecting them: the returned state's
    /// <see cref="RecoveredState.Messages"/> is empty. The broker recovers this way, so a backlog of a million messages
    /// is never held twice (as stored records and as index entries) while it starts.
    /// </summary>
    ValueTask<RecoveredState> RecoverAsync(Action<StoredMessage> onMessage, CancellationToken cancellationToken = default);

    /// <summary>Applies <paramref name="batch"/> atomically; the task completes once it is durable.</summary>
    /// <remarks>
    /// The caller must not mutate the batch, nor the buffers it references, until the task completes; after that the buffers
    /// are the caller's again. The cancellation token is observed only before the batch is accepted: once accepted it commits
    /// or fails as a whole whatever the token does. An empty batch is valid and completes once every batch accepted before it
    /// has.
    /// </remarks>
    ValueTask CommitAsync(WriteBatch batch, CancellationToken cancellationToken = default);

    /// <summary>Reads the encoded body of one stored message, or null when it does not exist.</summary>
    /// <remarks>Sees every batch whose commit has completed. The returned array is a new one that the caller owns.</remarks>
    ValueTask<byte[]?> ReadBodyAsync(string entity, long sequenceNumber, CancellationToken cancellationToken = default);

    /// <summary>Commit figures (group sizes, sync latency) and health, for metrics and readiness.</summary>
    StoreStatistics Statistics { get; }
}
