using Microsoft.Data.Sqlite;

namespace Ferry.Storage.Tests;

/// <summary>The writer's raw prepared statements: binding, error mapping, reuse after a failure.</summary>
public sealed class RawStatementTests : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public RawStatementTests()
    {
        _connection.Open();
        Execute("CREATE TABLE t(k INTEGER PRIMARY KEY, s TEXT, b BLOB, n INTEGER NOT NULL)");
    }

    public void Dispose() => _connection.Dispose();

    [Fact]
    public void Execute_ConstraintViolation_ThrowsSqliteExceptionLikeMicrosoftDataSqliteAndStaysUsable()
    {
        using var insert = new RawStatement(_connection.Handle!, "INSERT INTO t(k, n) VALUES ($k, $n)", "$k", "$n");
        insert.BindInt64(0, 1);
        insert.BindInt64(1, 0);
        insert.Execute();

        var raw = Assert.Throws<SqliteException>(insert.Execute);
        var command = _connection.CreateCommand();
        command.CommandText = "INSERT INTO t(k, n) VALUES (1, 0)";
        var expected = Assert.Throws<SqliteException>(() => command.ExecuteNonQuery());

        Assert.Equal(expected.Message, raw.Message);
        Assert.Equal(19, raw.SqliteErrorCode);
        Assert.Equal(expected.SqliteExtendedErrorCode, raw.SqliteExtendedErrorCode);
        insert.BindInt64(0, 2);
        insert.Execute();
        Assert.Equal(2L, Scalar("SELECT count(*) FROM t"));
    }

    [Fact]
    public void Execute_InsideSavepoint_FailureLeavesTheTransactionOpenForRollbackTo()
    {
        using var begin = new RawStatement(_connection.Handle!, "BEGIN IMMEDIATE");
        using var savepoint = new RawStatement(_connection.Handle!, "SAVEPOINT batch");
        using var rollbackTo = new RawStatement(_connection.Handle!, "ROLLBACK TO batch");
        using var release = new RawStatement(_connection.Handle!, "RELEASE batch");
        using var commit = new RawStatement(_connection.Handle!, "COMMIT");
        using var insert = new RawStatement(_connection.Handle!, "INSERT INTO t(k, n) VALUES ($k, $n)", "$k", "$n");

        begin.Execute();
        savepoint.Execute();
        insert.BindInt64(0, 1);
        insert.BindNull(1);
        Assert.Throws<SqliteException>(insert.Execute);
        rollbackTo.Execute();
        release.Execute();
        insert.BindInt64(1, 7);
        insert.Execute();
        commit.Execute();

        Assert.Equal(7L, Scalar("SELECT n FROM t WHERE k = 1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("queue-1")]
    [InlineData("héllo wörld ✓")]
    public void BindText_RoundTripsAsUtf8Text(string value)
    {
        InsertText(value);
        Assert.Equal("text", Scalar("SELECT typeof(s) FROM t"));
        Assert.Equal(value, Scalar("SELECT s FROM t"));
    }

    [Theory]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(2000)]
    public void BindText_AroundAndBeyondTheScratchBuffer_RoundTrips(int length)
    {
        var value = new string('✓', length);
        InsertText(value);
        Assert.Equal(value, Scalar("SELECT s FROM t"));
    }

    [Fact]
    public void BindText_Null_BindsNull()
    {
        InsertText(null);
        Assert.Equal("null", Scalar("SELECT typeof(s) FROM t"));
    }

    [Fact]
    public void BindBlob_EmptyIsAZeroLengthBlobAndNullIsNull()
    {
        using var insert = new RawStatement(_connection.Handle!, "INSERT INTO t(k, b, n) VALUES ($k, $b, 0)", "$k", "$b");
        insert.BindInt64(0, 1);
        insert.BindBlob(1, ReadOnlySpan<byte>.Empty);
        insert.Execute();
        insert.BindInt64(0, 2);
        insert.BindBlob(1, (byte[]?)null);
        insert.Execute();
        insert.BindInt64(0, 3);
        insert.BindBlob(1, new byte[100_000]);
        insert.Execute();

        Assert.Equal("blob", Scalar("SELECT typeof(b) FROM t WHERE k = 1"));
        Assert.Equal(0L, Scalar("SELECT length(b) FROM t WHERE k = 1"));
        Assert.Equal("null", Scalar("SELECT typeof(b) FROM t WHERE k = 2"));
        Assert.Equal(100_000L, Scalar("SELECT length(b) FROM t WHERE k = 3"));
    }

    [Fact]
    public void ExecuteScalarText_ReturnsTheReturnedColumnOrNull()
    {
        Execute("INSERT INTO t(k, s, n) VALUES (1, 'owner', 0), (2, NULL, 0)");
        using var delete = new RawStatement(_connection.Handle!, "DELETE FROM t WHERE k = $k RETURNING s", "$k");

        delete.BindInt64(0, 1);
        Assert.Equal("owner", delete.ExecuteScalarText());
        delete.BindInt64(0, 2);
        Assert.Null(delete.ExecuteScalarText());
        delete.BindInt64(0, 3);
        Assert.Null(delete.ExecuteScalarText());
        Assert.Equal(0L, Scalar("SELECT count(*) FROM t"));
    }

    [Fact]
    public void Constructor_BadSqlOrParameters_Throws()
    {
        var handle = _connection.Handle!;
        Assert.Throws<SqliteException>(() => new RawStatement(handle, "INSERT INTO missing VALUES (1)"));
        Assert.Throws<ArgumentException>(() => new RawStatement(handle, "SELECT 1; SELECT 2"));
        Assert.Throws<ArgumentException>(() => new RawStatement(handle, "SELECT $a", "$b"));
        Assert.Throws<ArgumentException>(() => new RawStatement(handle, "SELECT $a, $b", "$a"));
        Assert.Throws<ArgumentException>(() => new RawStatement(handle, "SELECT $a", "$a", "$a"));
    }

    [Fact]
    public void BindParameters_ByPositionInTheGivenOrder_NotSqliteNumbering()
    {
        using var insert = new RawStatement(_connection.Handle!, "INSERT INTO t(n, k) VALUES ($n, $k)", "$k", "$n");
        insert.BindInt64(0, 5);
        insert.BindInt64(1, 9);
        insert.Execute();
        Assert.Equal(9L, Scalar("SELECT n FROM t WHERE k = 5"));
    }

    [Fact]
    public void Bind_RepeatedValues_AreSkippedButEveryRowGetsItsValues()
    {
        Execute("CREATE TABLE r(k INTEGER PRIMARY KEY, s TEXT, n INTEGER, b BLOB)");
        using var insert = new RawStatement(_connection.Handle!, "INSERT INTO r(k, s, n, b) VALUES ($k, $s, $n, $b)", "$k", "$s", "$n", "$b");
        var entity = "queue-1";
        var sameContent = new string("queue-1".AsSpan());
        (string? Text, long? Number, int BlobLength)[] rows =
        [
            (entity, 0, 1), (entity, 0, 1), (sameContent, null, 0), (null, null, 1), (entity, 7, 100_000), (entity, 7, 1),
            (null, 7, 0), ("", 0, 1),
        ];

        for (var k = 0; k < rows.Length; k++)
        {
            var (text, number, blobLength) = rows[k];
            insert.BindInt64(0, k);
            insert.BindText(1, text);
            if (number is { } value)
                insert.BindInt64(2, value);
            else
                insert.BindNull(2);
            insert.BindBlob(3, new byte[blobLength]);
            insert.Execute();
        }

        for (var k = 0; k < rows.Length; k++)
        {
            Assert.Equal((object?)rows[k].Text ?? DBNull.Value, Scalar($"SELECT s FROM r WHERE k = {k}") ?? DBNull.Value);
            Assert.Equal((object?)rows[k].Number ?? DBNull.Value, Scalar($"SELECT n FROM r WHERE k = {k}") ?? DBNull.Value);
            Assert.Equal((long)rows[k].BlobLength, Scalar($"SELECT length(b) FROM r WHERE k = {k}"));
        }
    }

    [Fact]
    public void Bind_AfterAFailedStep_KeepsTheBoundValues()
    {
        using var insert = new RawStatement(_connection.Handle!, "INSERT INTO t(k, s, n) VALUES ($k, $s, $n)", "$k", "$s", "$n");
        var text = "kept";
        insert.BindInt64(0, 1);
        insert.BindText(1, text);
        insert.BindInt64(2, 3);
        insert.Execute();
        Assert.Throws<SqliteException>(insert.Execute);

        insert.BindInt64(0, 2);
        insert.BindText(1, text);
        insert.BindInt64(2, 3);
        insert.Execute();
        Assert.Equal("kept", Scalar("SELECT s FROM t WHERE k = 2"));
        Assert.Equal(3L, Scalar("SELECT n FROM t WHERE k = 2"));
    }

    private void InsertText(string? value)
    {
        using var insert = new RawStatement(_connection.Handle!, "INSERT INTO t(k, s, n) VALUES (1, $s, 0)", "$s");
        insert.BindText(0, value);
        insert.Execute();
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
