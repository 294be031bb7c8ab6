using Microsoft.Data.Sqlite;

namespace Ferry.Storage;

/// <summary>Recovery: reads everything but bodies, in key order.</summary>
public sealed partial class SqliteMessageStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Runs synchronously on the calling thread, on a read connection of its own, so it also sees every commit completed
    /// before the call. Duplicate-detection entries are returned whether expired or not: the store has no clock, and the
    /// broker prunes them. Times come back in UTC.
    /// </remarks>
    public ValueTask<RecoveredState> RecoverAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<RecoveredState>(cancellationToken);

        SqliteReadConnection reader;
        try
        {
            reader = RentReader();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or StoreException)
        {
            return ValueTask.FromException<RecoveredState>(ex);
        }

        try
        {
            var state = Recover(reader.Connection, cancellationToken);
            ReturnReader(reader);
            return new ValueTask<RecoveredState>(state);
        }
        catch (Exception ex)
        {
            reader.Dispose();
            return ValueTask.FromException<RecoveredState>(ex is SqliteException
                ? new StoreException($"Cannot recover the message store at '{DatabasePath}': {ex.Message}", ex)
                : ex);
        }
    }

    private static RecoveredState Recover(SqliteConnection connection, CancellationToken cancellationToken)
    {
        // One read transaction, so the parts are a consistent snapshot even if a writer were running.
        using var transaction = connection.BeginTransaction(deferred: true);

        var entities = new List<StoredEntity>();
        using (var command = Command(connection, transaction, SqliteSchema.RecoverEntities))
        using (var row = command.ExecuteReader())
        {
            while (row.Read())
            {
                entities.Add(new StoredEntity(row.GetString(0), (EntityKind)row.GetInt32(1), row.GetString(2),
                    FromTicks(row.GetInt64(3)), FromTicks(row.GetInt64(4))));
            }
        }

        // Every insert raises its entity's sequences row and deleting an entity deletes both, so this lists every entity
        // that can have messages; walking it avoids a DISTINCT over the whole messages table.
        var lastSequenceNumbers = new Dictionary<string, long>(StringComparer.Ordinal);
        var messageEntities = new List<string>();
        using (var command = Command(connection, transaction, SqliteSchema.RecoverSequences))
        using (var row = command.ExecuteReader())
        {
            while (row.Read())
            {
                var entity = row.GetString(0);
                lastSequenceNumbers[entity] = row.GetInt64(1);
                messageEntities.Add(entity);
            }
        }

        var messages = new List<StoredMessage>();
        using (var command = Command(connection, transaction, SqliteSchema.RecoverMessages))
        {
            var entityParameter = command.Parameters.Add("$entity", SqliteType.Text);
            command.Prepare();
            foreach (var entity in messageEntities)
            {
                cancellationToken.ThrowIfCancellationRequested();
                entityParameter.Value = entity;
                using var row = command.ExecuteReader();
                while (row.Read())
                    messages.Add(ReadMessage(row, entity));
            }
        }

        var sessionStates = new List<StoredSessionState>();
        using (var command = Command(connection, transaction, SqliteSchema.RecoverSessionStates))
        using (var row = command.ExecuteReader())
        {
            while (row.Read())
                sessionStates.Add(new StoredSessionState(row.GetString(0), row.GetString(1), row.GetFieldValue<byte[]>(2)));
        }

        var duplicates = new List<StoredDuplicate>();
        using (var command = Command(connection, transaction, SqliteSchema.RecoverDuplicates))
        using (var row = command.ExecuteReader())
        {
            while (row.Read())
                duplicates.Add(new StoredDuplicate(row.GetString(0), row.GetString(1), FromTicks(row.GetInt64(2))));
        }

        return new RecoveredState
        {
            Entities = entities,
            Messages = messages,
            LastSequenceNumbers = lastSequenceNumbers,
            SessionStates = sessionStates,
            Duplicates = duplicates,
        };
    }

    private static StoredMessage ReadMessage(SqliteDataReader row, string entity) => new()
    {
        Entity = entity,
        SequenceNumber = row.GetInt64(0),
        SubQueue = (SubQueue)row.GetInt32(1),
        State = (MessageState)row.GetInt32(2),
        DeliveryCount = row.GetInt32(3),
        EnqueuedTime = FromTicks(row.GetInt64(4)),
        ScheduledEnqueueTime = row.IsDBNull(5) ? null : FromTicks(row.GetInt64(5)),
        ExpiresAt = row.IsDBNull(6) ? null : FromTicks(row.GetInt64(6)),
        VisibleAfter = row.IsDBNull(7) ? null : FromTicks(row.GetInt64(7)),
        MessageId = row.IsDBNull(8) ? null : row.GetString(8),
        SessionId = row.IsDBNull(9) ? null : row.GetString(9),
        Overlay = row.IsDBNull(10) ? null : row.GetFieldValue<byte[]>(10),
        BodyLength = row.GetInt32(11),
    };

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
