namespace Ferry.Storage;

/// <summary>A store operation failed; the batch it belonged to was not applied.</summary>
public sealed class StoreException : Exception
{
    public StoreException() { }

    public StoreException(string message) : base(message) { }

    public StoreException(string message, Exception innerException) : base(message, innerException) { }
}
