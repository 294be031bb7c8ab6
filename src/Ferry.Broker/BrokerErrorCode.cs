namespace Ferry.Broker;

/// <summary>Why a broker operation failed; the wire layers map each code to their own error (AMQP condition, HTTP status).</summary>
public enum BrokerErrorCode
{
    /// <summary>The entity does not exist.</summary>
    EntityNotFound,

    /// <summary>An entity or rule with that name exists already.</summary>
    EntityAlreadyExists,

    /// <summary>The entity's status forbids the operation.</summary>
    EntityDisabled,

    /// <summary>A message is larger than the entity's MaxMessageSizeInKilobytes.</summary>
    MessageSizeExceeded,

    /// <summary>The entity would grow beyond MaxSizeInMegabytes.</summary>
    QuotaExceeded,

    /// <summary>The lock token is unknown or its lock expired.</summary>
    MessageLockLost,

    /// <summary>No message with that sequence number is in the required state.</summary>
    MessageNotFound,

    /// <summary>An argument is invalid (name, setting, missing session id…).</summary>
    InvalidArgument,

    /// <summary>The operation is not allowed in the entity's current state.</summary>
    InvalidOperation,

    /// <summary>The session lock is unknown or expired.</summary>
    SessionLockLost,

    /// <summary>The session is locked by another receiver, or no session was available.</summary>
    SessionCannotBeLocked,

    /// <summary>The operation did not complete within its time-out (accept-next-session with no session free).</summary>
    Timeout,

    /// <summary>The broker is shutting down.</summary>
    ShuttingDown,
}
