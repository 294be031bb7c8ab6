namespace Ferry.Jobs;

/// <summary>The outcome a batch handler gave one item.</summary>
public enum BatchItemStatus
{
    /// <summary>Not marked: the item is completed when the handler returns.</summary>
    Succeeded,

    /// <summary>The attempt failed: retried after the policy's delay, or dead-lettered after its last attempt.</summary>
    Failed,

    /// <summary>Dead-lettered at once, whatever attempts are left.</summary>
    FailedPermanently,
}
