using System.Buffers;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Ferry.Storage;

/// <summary>
/// One prepared SQLite statement driven through SQLitePCLRaw directly: bind, step, reset, with none of
/// Microsoft.Data.Sqlite's per-execution work (statement list iteration, parameter collection binding, boxed values).
/// </summary>
/// <remarks>
/// <para>Parameters are bound by position in the order of the names given at preparation (0-based), which need not be the
/// order SQLite numbers them in. Every execution must bind every parameter: values stay bound across executions, so a bind
/// of the value already bound (the same integer, NULL, the same string instance) is skipped: each bind is a P/Invoke that
/// takes the connection's mutex, and the entity, state and NULL columns of a message repeat from one insert to the next.</para>
/// <para>Text and blobs are bound as SQLITE_TRANSIENT (SQLite copies them), so the caller's buffers may be reused at once.</para>
/// <para>Failures throw <see cref="SqliteException"/> built by Microsoft.Data.Sqlite itself (same message, error code and
/// extended code as its commands), after the statement is reset. Not thread-safe: one thread at a time, the connection's.</para>
/// </remarks>
internal sealed class RawStatement : IDisposable
{
    // Long-lived statements: tells SQLite not to take them from its lookaside memory.
    private const uint PreparePersistent = 0x01;

    // Text of up to a third as many characters (3 UTF-8 bytes at most each) is encoded into a buffer kept for the purpose:
    // entity paths, message and session ids all fit. SQLite copies bound text, so the buffer is free again at once.
    private const int ScratchTextBytes = 768;

    // A statement keeps its bound values until rebound; after a large blob, clear them rather than hold the copy.
    private const int RetainedBlobLimit = 64 * 1024;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly int[] _indexes;
    private readonly byte[] _scratch = new byte[ScratchTextBytes];
    private int _boundBlobBytes;

    // What each parameter holds now, as far as skipping a repeated bind needs to know.
    private readonly BoundKind[] _boundKinds;
    private readonly long[] _boundIntegers;
    private readonly string?[] _boundTexts;

    /// <summary>Prepares <paramref name="sql"/> (one statement) on <paramref name="db"/>.</summary>
    /// <exception cref="SqliteException">SQLite refused the statement.</exception>
    /// <exception cref="ArgumentException">More than one statement, or the names do not match the statement's parameters one to one.</exception>
    public RawStatement(sqlite3 db, string sql, params ReadOnlySpan<string> parameters)
    {
        _db = db;
        var rc = raw.sqlite3_prepare_v3(db, sql, PreparePersistent, out _statement, out string tail);
        if (rc != raw.SQLITE_OK)
        {
            _statement.Dispose();
            SqliteException.ThrowExceptionForRC(rc, db);
        }

        if (!string.IsNullOrWhiteSpace(tail))
        {
            _statement.Dispose();
            throw new ArgumentException($"Only one statement may be prepared at a time; left over: '{tail}'.", nameof(sql));
        }

        _indexes = new int[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var index = raw.sqlite3_bind_parameter_index(_statement, parameters[i]);
            if (index == 0)
            {
                _statement.Dispose();
                throw new ArgumentException($"The statement has no parameter '{parameters[i]}'.", nameof(parameters));
            }

            _indexes[i] = index;
        }

        if (raw.sqlite3_bind_parameter_count(_statement) != CountDistinct(_indexes) || CountDistinct(_indexes) != _indexes.Length)
        {
            _statement.Dispose();
            throw new ArgumentException("Every parameter of the statement must be named, once.", nameof(parameters));
        }

        _boundKinds = new BoundKind[parameters.Length];
        _boundIntegers = new long[parameters.Length];
        _boundTexts = new string?[parameters.Length];
    }

    private enum BoundKind : byte
    {
        Unknown,
        Null,
        Integer,
        Text,
    }

    /// <summary>How many parameter names the statement was prepared with.</summary>
    public int ParameterCount => _indexes.Length;

    public void BindInt64(int parameter, long value)
    {
        if (_boundKinds[parameter] == BoundKind.Integer && _boundIntegers[parameter] == value)
            return;
        Forget(parameter);
        Check(raw.sqlite3_bind_int64(_statement, _indexes[parameter], value));
        _boundKinds[parameter] = BoundKind.Integer;
        _boundIntegers[parameter] = value;
    }

    public void BindNull(int parameter)
    {
        if (_boundKinds[parameter] == BoundKind.Null)
            return;
        Forget(parameter);
        Check(raw.sqlite3_bind_null(_statement, _indexes[parameter]));
        _boundKinds[parameter] = BoundKind.Null;
    }

    /// <summary>Binds the UTC ticks of <paramref name="value"/>, or NULL.</summary>
    public void BindTicks(int parameter, DateTimeOffset? value)
    {
        if (value.HasValue)
            BindInt64(parameter, value.GetValueOrDefault().UtcTicks);
        else
            BindNull(parameter);
    }

    /// <summary>Binds <paramref name="value"/> as UTF-8 text, or NULL.</summary>
    public void BindText(int parameter, string? value)
    {
        if (value is null)
        {
            BindNull(parameter);
            return;
        }

        if (_boundKinds[parameter] == BoundKind.Text && ReferenceEquals(_boundTexts[parameter], value))
            return;
        Forget(parameter);
        if (value.Length <= ScratchTextBytes / 3)
        {
            var length = Encoding.UTF8.GetBytes(value, _scratch);
            Check(raw.sqlite3_bind_text(_statement, _indexes[parameter], _scratch.AsSpan(0, length)));
        }
        else
        {
            BindLongText(parameter, value);
        }

        _boundKinds[parameter] = BoundKind.Text;
        _boundTexts[parameter] = value;
    }

    private void BindLongText(int parameter, string value)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(value.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(value, rented);
            Check(raw.sqlite3_bind_text(_statement, _indexes[parameter], rented.AsSpan(0, length)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Binds <paramref name="value"/> as a blob (an empty one is a zero-length blob, not NULL).</summary>
    public void BindBlob(int parameter, ReadOnlySpan<byte> value)
    {
        Forget(parameter);
        Check(raw.sqlite3_bind_blob(_statement, _indexes[parameter], value));
        _boundBlobBytes += value.Length;
    }

    /// <summary>Binds <paramref name="value"/> as a blob, or NULL.</summary>
    public void BindBlob(int parameter, byte[]? value)
    {
        if (value is null)
            BindNull(parameter);
        else
            BindBlob(parameter, (ReadOnlySpan<byte>)value);
    }

    /// <summary>Runs the statement to completion, discarding any rows.</summary>
    /// <exception cref="SqliteException">A step failed (constraint, I/O, full disk…); the statement is reset.</exception>
    public void Execute()
    {
        int rc;
        while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
        {
        }

        Finish(rc);
    }

    /// <summary>Runs the statement to completion and returns the first row's first column as text (null when no row or NULL).</summary>
    /// <exception cref="SqliteException">A step failed; the statement is reset.</exception>
    public string? ExecuteScalarText()
    {
        string? result = null;
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
        {
            if (raw.sqlite3_column_type(_statement, 0) != raw.SQLITE_NULL)
                result = raw.sqlite3_column_text(_statement, 0).utf8_to_string();
            while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
            {
            }
        }

        Finish(rc);
        return result;
    }

    /// <summary>Finalizes the statement (sqlite3_finalize; its safe handle does so too if this is never called).</summary>
    /// <remarks>Every statement must be finalized before its connection closes, or SQLite keeps the connection open.</remarks>
    public void Dispose() => _statement.Dispose();

    private void Finish(int rc)
    {
        if (rc != raw.SQLITE_DONE)
        {
            try
            {
                // Builds the exception from sqlite3_errmsg while it still describes this step, then throws it.
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
            finally
            {
                raw.sqlite3_reset(_statement);
            }

            throw new SqliteException($"SQLite Error {rc}: the statement did not complete.", rc);
        }

        raw.sqlite3_reset(_statement);
        if (_boundBlobBytes > RetainedBlobLimit)
        {
            raw.sqlite3_clear_bindings(_statement);
            Array.Clear(_boundKinds);
            Array.Clear(_boundTexts);
        }

        _boundBlobBytes = 0;
    }

    /// <summary>Until a bind succeeds, what the parameter holds is not known (a failed bind may have left it either way).</summary>
    private void Forget(int parameter)
    {
        _boundKinds[parameter] = BoundKind.Unknown;
        _boundTexts[parameter] = null;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(rc, _db);
    }

    private static int CountDistinct(int[] indexes)
    {
        var count = 0;
        for (var i = 0; i < indexes.Length; i++)
        {
            if (Array.IndexOf(indexes, indexes[i], 0, i) < 0)
                count++;
        }

        return count;
    }
}
