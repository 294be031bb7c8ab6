using Ferry.Amqp;
using Ferry.Broker;

namespace Ferry.Server.Amqp;

/// <summary>
/// The error conditions the Service Bus SDKs map to their named errors (reference §7), and the mapping from broker
/// errors. Only final (non-retryable) conditions are used where the failure is final: a retryable one costs the SDK
/// 30 s per retry.
/// </summary>
internal static class ServiceBusErrors
{
    public static readonly AmqpSymbol MessageLockLost = "com.microsoft:message-lock-lost";
    public static readonly AmqpSymbol SessionLockLost = "com.microsoft:session-lock-lost";
    public static readonly AmqpSymbol SessionCannotBeLocked = "com.microsoft:session-cannot-be-locked";
    public static readonly AmqpSymbol MessageNotFound = "com.microsoft:message-not-found";
    public static readonly AmqpSymbol EntityAlreadyExists = "com.microsoft:entity-already-exists";
    public static readonly AmqpSymbol EntityDisabled = "com.microsoft:entity-disabled";
    public static readonly AmqpSymbol ArgumentError = "com.microsoft:argument-error";
    public static readonly AmqpSymbol ArgumentOutOfRange = "com.microsoft:argument-out-of-range";
    public static readonly AmqpSymbol DeadLetterCondition = "com.microsoft:dead-letter";
    public static readonly AmqpSymbol Timeout = "com.microsoft:timeout";
    public static readonly AmqpSymbol ServerBusy = "com.microsoft:server-busy";
    public static readonly AmqpSymbol NotFound = AmqpErrorCode.NotFound;
    public static readonly AmqpSymbol Unauthorized = AmqpErrorCode.UnauthorizedAccess;
    public static readonly AmqpSymbol QuotaExceeded = AmqpErrorCode.ResourceLimitExceeded;
    public static readonly AmqpSymbol MessageSizeExceeded = AmqpErrorCode.MessageSizeExceeded;
    public static readonly AmqpSymbol NotAllowed = AmqpErrorCode.NotAllowed;
    public static readonly AmqpSymbol InternalError = AmqpErrorCode.InternalError;

    /// <summary>The AMQP condition for a broker error.</summary>
    public static AmqpSymbol Condition(BrokerErrorCode code) => code switch
    {
        BrokerErrorCode.EntityNotFound => NotFound,
        BrokerErrorCode.EntityAlreadyExists => EntityAlreadyExists,
        BrokerErrorCode.EntityDisabled => EntityDisabled,
        BrokerErrorCode.MessageSizeExceeded => MessageSizeExceeded,
        BrokerErrorCode.QuotaExceeded => QuotaExceeded,
        BrokerErrorCode.MessageLockLost => MessageLockLost,
        BrokerErrorCode.MessageNotFound => MessageNotFound,
        BrokerErrorCode.InvalidArgument => ArgumentError,
        BrokerErrorCode.InvalidOperation => NotAllowed,
        BrokerErrorCode.SessionLockLost => SessionLockLost,
        BrokerErrorCode.SessionCannotBeLocked => SessionCannotBeLocked,
        BrokerErrorCode.Timeout => Timeout,
        BrokerErrorCode.ShuttingDown => AmqpErrorCode.DetachForced,
        _ => InternalError,
    };

    /// <summary>The management status code for a broker error (reference §6.3).</summary>
    public static int StatusCode(BrokerErrorCode code) => code switch
    {
        BrokerErrorCode.EntityNotFound or BrokerErrorCode.MessageNotFound => 404,
        BrokerErrorCode.EntityAlreadyExists => 409,
        BrokerErrorCode.MessageLockLost or BrokerErrorCode.SessionLockLost => 410,
        BrokerErrorCode.SessionCannotBeLocked => 409,
        BrokerErrorCode.Timeout => 408,
        BrokerErrorCode.EntityDisabled => 403,
        BrokerErrorCode.QuotaExceeded => 403,
        BrokerErrorCode.MessageSizeExceeded => 413,
        BrokerErrorCode.InvalidArgument or BrokerErrorCode.InvalidOperation => 400,
        BrokerErrorCode.ShuttingDown => 503,
        _ => 500,
    };

    public static AmqpError From(BrokerException ex) => new(Condition(ex.Code), ex.Message);

    /// <summary>An operation enlisted in a transaction failed: a timeout is <c>amqp:transaction:timeout</c> (§4.5.8).</summary>
    public static AmqpError FromTransactional(BrokerException ex) =>
        ex.Code == BrokerErrorCode.Timeout ? new AmqpError(AmqpErrorCode.TransactionTimeout, ex.Message) : From(ex);

    /// <summary>A txn-id that names no open transaction of this connection (§4.5.8 unknown-id).</summary>
    public static AmqpError UnknownTransaction(ReadOnlySpan<byte> txnId) => new(AmqpErrorCode.TransactionUnknownId,
        $"The transaction 0x{Convert.ToHexString(txnId)} is unknown on this connection: it was not declared on it, or it was already discharged, timed out or rolled back.");
}
