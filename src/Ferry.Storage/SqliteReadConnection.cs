using Microsoft.Data.Sqlite;

namespace Ferry.Storage;

/// <summary>A pooled read-only connection with its prepared body query. Used by one thread at a time.</summary>
internal sealed class SqliteReadConnection : IDisposable
{
    private readonly SqliteCommand _readBody;
    private readonly SqliteParameter _entity;
    private readonly SqliteParameter _seq;

    public SqliteReadConnection(string connectionString)
    {
        Connection = new SqliteConnection(connectionString);
        Connection.Open();
        _readBody = Connection.CreateCommand();
        _readBody.CommandText = SqliteSchema.ReadBody;
        _entity = _readBody.Parameters.Add("$entity", SqliteType.Text);
        _seq = _readBody.Parameters.Add("$seq", SqliteType.Integer);
        _readBody.Prepare();
    }

    public SqliteConnection Connection { get; }

    public byte[]? ReadBody(string entity, long sequenceNumber)
    {
        _entity.Value = entity;
        _seq.Value = sequenceNumber;
        using var reader = _readBody.ExecuteReader();
        return reader.Read() ? reader.GetFieldValue<byte[]>(0) : null;
    }

    public void Dispose()
    {
        _readBody.Dispose();
        Connection.Dispose();
    }
}
