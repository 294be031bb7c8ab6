namespace Ferry.Jobs;

/// <summary>A task that failed for good: its index in the stage, the exception's type name and message.</summary>
public sealed record TaskFailure(int Task, string Reason, string Description);
