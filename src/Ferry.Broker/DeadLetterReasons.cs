namespace Ferry.Broker;

/// <summary>The DeadLetterReason values the broker itself sets, spelled as Azure Service Bus spells them.</summary>
public static class DeadLetterReasons
{
    public const string MaxDeliveryCountExceeded = "MaxDeliveryCountExceeded";
    public const string TtlExpired = "TTLExpiredException";
    public const string FilterEvaluationFailed = "FilterEvaluationException";
    public const string ForwardingTargetNotFound = "ForwardingTargetNotFound";

    /// <summary>Application property carrying the reason on a dead-lettered message.</summary>
    public const string ReasonProperty = "DeadLetterReason";

    /// <summary>Application property carrying the description on a dead-lettered message.</summary>
    public const string DescriptionProperty = "DeadLetterErrorDescription";
}
