namespace Ferry.Jobs;

/// <summary>Reads a pipeline task's place from its delivery: the pipeline's job id, the stage index and the task index.</summary>
public static class PipelineTask
{
    public static string PipelineJobId<T>(JobContext<T> task) =>
        task?.Properties.TryGetValue(PipelineMessages.JobProperty, out var id) == true && id is string s ? s : "";

    public static int StageIndex<T>(JobContext<T> task) =>
        task?.Properties.TryGetValue(PipelineMessages.StageProperty, out var stage) == true ? JobMessages.ToInt(stage) : -1;

    public static int TaskIndex<T>(JobContext<T> task) =>
        task?.Properties.TryGetValue(PipelineMessages.TaskProperty, out var index) == true ? JobMessages.ToInt(index) : -1;
}
