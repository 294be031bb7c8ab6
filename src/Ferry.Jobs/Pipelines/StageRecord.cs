namespace Ferry.Jobs;

/// <summary>A stage's entry in the transition log.</summary>
internal sealed record StageRecord(string Name, int Tasks, DateTimeOffset StartedAt)
{
    public int Succeeded { get; set; }

    public int Failed { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }
}
