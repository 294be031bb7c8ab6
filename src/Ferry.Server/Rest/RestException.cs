using Ferry.Broker;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Rest;

/// <summary>A REST messaging request that fails with an HTTP status; the message is the <c>Detail</c> the client sees.</summary>
internal sealed class RestException : Exception
{
    public RestException(int status, string detail)
        : base(detail) => Status = status;

    public RestException()
    {
    }

    public RestException(string message)
        : base(message)
    {
    }

    public RestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Status { get; } = StatusCodes.Status500InternalServerError;

    public static RestException BadRequest(string detail) => new(StatusCodes.Status400BadRequest, detail);

    /// <summary>
    /// The HTTP status of a broker error. Lock lost is 410 Gone (the lock existed and is gone), as the Service Bus
    /// management protocol answers it; a missing entity or message is 404. Quota and size are 403, as the Service Bus
    /// REST reference lists them for Send Message.
    /// </summary>
    public static int StatusOf(BrokerErrorCode code) => code switch
    {
        BrokerErrorCode.EntityNotFound or BrokerErrorCode.MessageNotFound => StatusCodes.Status404NotFound,
        BrokerErrorCode.MessageLockLost or BrokerErrorCode.SessionLockLost => StatusCodes.Status410Gone,
        BrokerErrorCode.QuotaExceeded or BrokerErrorCode.MessageSizeExceeded => StatusCodes.Status403Forbidden,
        BrokerErrorCode.InvalidArgument or BrokerErrorCode.InvalidOperation => StatusCodes.Status400BadRequest,
        BrokerErrorCode.EntityDisabled or BrokerErrorCode.EntityAlreadyExists or BrokerErrorCode.SessionCannotBeLocked => StatusCodes.Status409Conflict,
        BrokerErrorCode.ShuttingDown or BrokerErrorCode.Timeout => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };
}
