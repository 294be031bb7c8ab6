namespace Ferry.Broker;

/// <summary>A broker operation failed for a reason the client can be told about; see <see cref="Code"/>.</summary>
public sealed class BrokerException : Exception
{
    public BrokerException() : this(BrokerErrorCode.InvalidOperation, "The operation failed.") { }

    public BrokerException(string message) : this(BrokerErrorCode.InvalidOperation, message) { }

    public BrokerException(string message, Exception innerException) : base(message, innerException) => Code = BrokerErrorCode.InvalidOperation;

    public BrokerException(BrokerErrorCode code, string message) : base(message) => Code = code;

    public BrokerErrorCode Code { get; }

    internal static BrokerException LockLost(Guid lockToken) =>
        new(BrokerErrorCode.MessageLockLost,
            $"The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue. Lock token: {lockToken}.");

    internal static BrokerException NotFound(string path) =>
        new(BrokerErrorCode.EntityNotFound, $"The messaging entity '{path}' could not be found.");
}
