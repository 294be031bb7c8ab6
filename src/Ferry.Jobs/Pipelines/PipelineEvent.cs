using System.Text.Json;

namespace Ferry.Jobs;

/// <summary>One lifecycle or progress event of a pipeline job (see <see cref="IPipelineObserver"/>).</summary>
public sealed record PipelineEvent(
    PipelineEventKind Kind,
    string Pipeline,
    string JobId,
    int StageIndex,
    string? Stage,
    int TaskCount,
    int Succeeded,
    int Failed,
    int Dispatched,
    DateTimeOffset At)
{
    /// <summary>For <see cref="PipelineEventKind.Completed"/>: the last stage's result as JSON.</summary>
    public JsonElement? Result { get; init; }

    /// <summary>For <see cref="PipelineEventKind.Failed"/>: why.</summary>
    public string? Error { get; init; }
}
