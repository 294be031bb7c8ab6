using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ferry.Jobs;

/// <summary>
/// A pipeline job's control state, kept as the control queue's session state (JSON): the input, the stage running, a
/// done bitmap and counts for its tasks, their results (or the reduction), the first failures, and one record per stage
/// started — the transition log. Only the coordinator holding the session lock reads or writes it.
/// </summary>
internal sealed class PipelineState
{
    public const string Running = "running";
    public const string CompletedStatus = "completed";
    public const string FailedStatus = "failed";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public int Version { get; set; } = 1;

    public string Status { get; set; } = Running;

    public JsonElement Input { get; set; }

    public int Stage { get; set; } = -1;

    public int TaskCount { get; set; }

    /// <summary>Bit n set: task n of the current stage has reported its final outcome.</summary>
    public byte[] Done { get; set; } = [];

    public int Succeeded { get; set; }

    public int Failed { get; set; }

    /// <summary>Per task of the current stage (null: not done or failed), when the stage keeps results.</summary>
    public JsonElement?[]? Results { get; set; }

    /// <summary>The reduction so far, when the stage has a reducer.</summary>
    public JsonElement? Aggregate { get; set; }

    public List<TaskFailure> Failures { get; set; } = [];

    /// <summary>One entry per stage started, appended when the transition is recorded.</summary>
    public List<StageRecord> Stages { get; set; } = [];

    /// <summary>The last stage's <see cref="StageResult{TResult}"/> as JSON, once completed.</summary>
    public JsonElement? Result { get; set; }

    public string? Error { get; set; }

    public bool IsDone(int task) => (Done[task >> 3] & (1 << (task & 7))) != 0;

    public void MarkDone(int task) => Done[task >> 3] |= (byte)(1 << (task & 7));

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static PipelineState? Deserialize(byte[]? bytes) => bytes is { Length: > 0 } ? JsonSerializer.Deserialize<PipelineState>(bytes, Json) : null;
}
