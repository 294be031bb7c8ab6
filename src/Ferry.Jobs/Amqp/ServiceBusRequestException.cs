namespace Ferry.Jobs;

/// <summary>A <c>$cbs</c> or <c>$management</c> request the broker answered with a non-2xx status.</summary>
public sealed class ServiceBusRequestException : Exception
{
    public ServiceBusRequestException()
    {
    }

    public ServiceBusRequestException(string message) : base(message)
    {
    }

    public ServiceBusRequestException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ServiceBusRequestException(string operation, int statusCode, string? errorCondition, string? description)
        : base($"{operation} failed with status {statusCode}{(errorCondition is null ? "" : $" ({errorCondition})")}: {description}")
    {
        Operation = operation;
        StatusCode = statusCode;
        ErrorCondition = errorCondition;
    }

    public string? Operation { get; }

    public int StatusCode { get; }

    /// <summary>For example <c>com.microsoft:message-lock-lost</c>.</summary>
    public string? ErrorCondition { get; }

    /// <summary>The lock is gone (expired, or the message was settled): renewing or settling again cannot succeed.</summary>
    public bool IsLockLost => StatusCode == 410 || ErrorCondition == "com.microsoft:message-lock-lost";
}
