using Microsoft.Data.Sqlite;
using SQLitePCL;

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
    public ValueTask<RecoveredState> RecoverAsync(CancellationToken cancellationToken = default) => Recover(null, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<RecoveredState> RecoverAsync(Action<StoredMessage> onMessage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        return Recover(onMessage, cancellationToken);
    }

    private ValueTask<RecoveredState> Recover(Action<StoredMessage>? onMessage, CancellationToken cancellationToken)
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
            var state = Recover(reader.Connection, onMessage, cancellationToken);
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

    private static RecoveredState Recover(SqliteConnection connection, Action<StoredMessage>? onMessage, CancellationToken cancellationToken)
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
        onMessage ??= messages.Add;
        foreach (var entity in messageEntities)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ReadMessages(connection, entity, onMessage);
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

    /// <summary>
    /// Reads one entity's messages through SQLite's own statement API: a million rows cost a twelfth of the calls and none
    /// of the per-value checks of <see cref="SqliteDataReader"/>, which took most of the recovery time.
    /// </summary>
    private static void ReadMessages(SqliteConnection connection, string entity, Action<StoredMessage> onMessage)
    {
        var db = connection.Handle!;
        Check(db, raw.sqlite3_prepare_v2(db, SqliteSchema.RecoverMessages, out var statement));
        using (statement)
        {
            Check(db, raw.sqlite3_bind_text(statement, 1, entity));
            int result;
            while ((result = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                onMessage(new StoredMessage
                {
                    Entity = entity,
                    SequenceNumber = raw.sqlite3_column_int64(statement, 0),
                    SubQueue = (SubQueue)raw.sqlite3_column_int(statement, 1),
                    State = (MessageState)raw.sqlite3_column_int(statement, 2),
                    DeliveryCount = raw.sqlite3_column_int(statement, 3),
                    EnqueuedTime = FromTicks(raw.sqlite3_column_int64(statement, 4)),
                    ScheduledEnqueueTime = NullableTicks(statement, 5),
                    ExpiresAt = NullableTicks(statement, 6),
                    VisibleAfter = NullableTicks(statement, 7),
                    MessageId = Text(statement, 8),
                    SessionId = Text(statement, 9),
                    Overlay = IsNull(statement, 10) ? null : raw.sqlite3_column_blob(statement, 10).ToArray(),
                    BodyLength = raw.sqlite3_column_int(statement, 11),
                });
            }
            if (result != raw.SQLITE_DONE)
                Check(db, result);
        }
    }

    private static bool IsNull(sqlite3_stmt statement, int column) => raw.sqlite3_column_type(statement, column) == raw.SQLITE_NULL;

    private static DateTimeOffset? NullableTicks(sqlite3_stmt statement, int column) =>
        IsNull(statement, column) ? null : FromTicks(raw.sqlite3_column_int64(statement, column));

    private static string? Text(sqlite3_stmt statement, int column) =>
        IsNull(statement, column) ? null : raw.sqlite3_column_text(statement, column).utf8_to_string();

    private static void Check(sqlite3 db, int result)
    {
        // The same exception (message, code, extended code) Microsoft.Data.Sqlite and RawStatement throw.
        if (result is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
            SqliteException.ThrowExceptionForRC(result, db);
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
