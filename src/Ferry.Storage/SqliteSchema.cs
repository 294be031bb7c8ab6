namespace Ferry.Storage;

/// <summary>The SQL of the embedded engine, in one place so the schema reads as a whole.</summary>
/// <remarks>
/// Times are INTEGER UTC ticks (100 ns since 0001-01-01), so a <see cref="DateTimeOffset"/> round-trips to the tick; the
/// offset is not kept (values come back in UTC). Nullable times are NULL.
/// </remarks>
internal static class SqliteSchema
{
    /// <summary>Bumped on any incompatible change; a database from a newer Ferry is refused rather than misread.</summary>
    public const int Version = 2;

    public const string Entities = """
        CREATE TABLE IF NOT EXISTS entities(
            path     TEXT    NOT NULL PRIMARY KEY,
            kind     INTEGER NOT NULL,
            settings TEXT    NOT NULL,
            created  INTEGER NOT NULL,
            updated  INTEGER NOT NULL)
        """;

    public const string Sequences = """
        CREATE TABLE IF NOT EXISTS sequences(
            entity   TEXT    NOT NULL PRIMARY KEY,
            last_seq INTEGER NOT NULL) WITHOUT ROWID
        """;

    // Column order matters: the body goes last so that recovery, which never asks for it, stops decoding each record before
    // it, and so that a large body spills to overflow pages that a metadata scan never reads.
    private const string MessageColumns = """
            entity         TEXT    NOT NULL,
            seq            INTEGER NOT NULL,
            subqueue       INTEGER NOT NULL,
            state          INTEGER NOT NULL,
            delivery_count INTEGER NOT NULL,
            enqueued       INTEGER NOT NULL,
            scheduled      INTEGER,
            expires        INTEGER,
            visible_after  INTEGER,
            message_id     TEXT,
            session_id     TEXT,
            overlay        BLOB,
            body_owner     TEXT,
            body_length    INTEGER NOT NULL,
            body           BLOB    NOT NULL,
            PRIMARY KEY (entity, seq)
        """;

    /// <summary>Clustered on (entity, seq): one b-tree per insert, and recovery reads it in key order without lookups.</summary>
    public const string MessagesClustered = "CREATE TABLE IF NOT EXISTS messages(" + MessageColumns + ") WITHOUT ROWID";

    /// <summary>The rowid alternative measured by the benchmark: a table plus an automatic (entity, seq) index.</summary>
    public const string MessagesRowId = "CREATE TABLE IF NOT EXISTS messages(" + MessageColumns + ")";

    /// <summary>Bodies shared by several messages (a topic's fan-out), keyed by owner (the topic) and sequence number.</summary>
    public const string Bodies = """
        CREATE TABLE IF NOT EXISTS bodies(
            owner TEXT    NOT NULL,
            seq   INTEGER NOT NULL,
            data  BLOB    NOT NULL,
            PRIMARY KEY (owner, seq)) WITHOUT ROWID
        """;

    /// <summary>Finds whether any message still refers to a shared body; only rows that share one are indexed.</summary>
    public const string MessagesBySharedBody = "CREATE INDEX IF NOT EXISTS messages_shared_body ON messages(body_owner, seq) WHERE body_owner IS NOT NULL";

    /// <summary>Version 1 databases gain the shared-body column (appended; new databases have it before the body).</summary>
    public const string MigrateToVersion2 = "ALTER TABLE messages ADD COLUMN body_owner TEXT";

    public const string PutBody = "INSERT INTO bodies(owner, seq, data) VALUES ($owner, $seq, $data)";

    public const string ReleaseBody = """
        DELETE FROM bodies WHERE owner = $owner AND seq = $seq
            AND NOT EXISTS (SELECT 1 FROM messages WHERE body_owner = $owner AND seq = $seq)
        """;

    public const string DeleteEntityBodies = "DELETE FROM bodies WHERE owner = $entity";

    /// <summary>After a subscription's messages went in bulk: bodies no message refers to any more.</summary>
    public const string DeleteOrphanBodies = """
        DELETE FROM bodies WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.body_owner = bodies.owner AND m.seq = bodies.seq)
        """;

    public const string SessionStates = """
        CREATE TABLE IF NOT EXISTS session_states(
            entity     TEXT NOT NULL,
            session_id TEXT NOT NULL,
            state      BLOB NOT NULL,
            PRIMARY KEY (entity, session_id)) WITHOUT ROWID
        """;

    public const string Duplicates = """
        CREATE TABLE IF NOT EXISTS duplicates(
            entity     TEXT    NOT NULL,
            message_id TEXT    NOT NULL,
            expires    INTEGER NOT NULL,
            PRIMARY KEY (entity, message_id)) WITHOUT ROWID
        """;

    /// <summary>Pruning deletes by (entity, expires); without this index it would scan the entity's whole history.</summary>
    public const string DuplicatesByExpiry = "CREATE INDEX IF NOT EXISTS duplicates_expiry ON duplicates(entity, expires)";

    public const string PutEntity =
        "INSERT OR REPLACE INTO entities(path, kind, settings, created, updated) VALUES ($path, $kind, $settings, $created, $updated)";

    public const string DeleteEntityRecord = "DELETE FROM entities WHERE path = $entity";
    public const string DeleteEntityMessages = "DELETE FROM messages WHERE entity = $entity";
    public const string DeleteEntitySessions = "DELETE FROM session_states WHERE entity = $entity";
    public const string DeleteEntityDuplicates = "DELETE FROM duplicates WHERE entity = $entity";
    public const string DeleteEntitySequence = "DELETE FROM sequences WHERE entity = $entity";

    // A plain INSERT, not OR REPLACE: inserting an existing (entity, seq) is a broker bug that must fail its batch.
    public const string InsertMessage = """
        INSERT INTO messages(entity, seq, subqueue, state, delivery_count, enqueued, scheduled, expires, visible_after,
                             message_id, session_id, overlay, body_length, body, body_owner)
        VALUES ($entity, $seq, $subqueue, $state, $delivery_count, $enqueued, $scheduled, $expires, $visible_after,
                $message_id, $session_id, $overlay, $body_length, $body, $body_owner)
        """;

    public const string UpdateMessage = """
        UPDATE messages SET subqueue = $subqueue, state = $state, delivery_count = $delivery_count, enqueued = $enqueued,
                            scheduled = $scheduled, expires = $expires, visible_after = $visible_after,
                            message_id = $message_id, session_id = $session_id, overlay = $overlay
        WHERE entity = $entity AND seq = $seq
        """;

    public const string DeleteMessage = "DELETE FROM messages WHERE entity = $entity AND seq = $seq RETURNING body_owner";

    public const string PutSessionState =
        "INSERT OR REPLACE INTO session_states(entity, session_id, state) VALUES ($entity, $key, $data)";

    public const string DeleteSessionState = "DELETE FROM session_states WHERE entity = $entity AND session_id = $key";

    public const string PutDuplicate = "INSERT OR REPLACE INTO duplicates(entity, message_id, expires) VALUES ($entity, $key, $time)";

    public const string PruneDuplicates = "DELETE FROM duplicates WHERE entity = $entity AND expires <= $time";

    public const string RaiseSequence = """
        INSERT INTO sequences(entity, last_seq) VALUES ($entity, $seq)
        ON CONFLICT(entity) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)
        """;

    public const string ReadBody = """
        SELECT coalesce(b.data, m.body) FROM messages m LEFT JOIN bodies b ON b.owner = m.body_owner AND b.seq = m.seq
        WHERE m.entity = $entity AND m.seq = $seq
        """;

    public const string RecoverEntities = "SELECT path, kind, settings, created, updated FROM entities ORDER BY path";

    public const string RecoverSequences = "SELECT entity, last_seq FROM sequences ORDER BY entity";

    public const string RecoverSessionStates = "SELECT entity, session_id, state FROM session_states ORDER BY entity, session_id";

    public const string RecoverDuplicates = "SELECT entity, message_id, expires FROM duplicates ORDER BY entity, message_id";

    // Per entity rather than one scan: the entity string is then shared by all its messages instead of allocated per row,
    // and ORDER BY seq follows the primary key.
    public const string RecoverMessages = """
        SELECT seq, subqueue, state, delivery_count, enqueued, scheduled, expires, visible_after, message_id, session_id,
               overlay, body_length
        FROM messages WHERE entity = $entity ORDER BY seq
        """;
}
