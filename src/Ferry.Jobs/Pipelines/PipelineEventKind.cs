namespace Ferry.Jobs;

public enum PipelineEventKind
{
    /// <summary>The start message was taken: the job's input is recorded and stage 0 is being dispatched.</summary>
    Started,

    /// <summary>A window of task messages (100) of a stage was sent; <see cref="PipelineEvent.Dispatched"/> so far.</summary>
    TasksDispatched,

    /// <summary>A stage's tasks are all sent and its start is recorded in the session state.</summary>
    StageStarted,

    /// <summary>A batch of task completions was recorded: <see cref="PipelineEvent.Succeeded"/> and <see cref="PipelineEvent.Failed"/> so far.</summary>
    Progress,

    /// <summary>Every task of the stage has finished (succeeded or failed for good); the transition follows.</summary>
    StageCompleted,

    /// <summary>The last stage fanned in; <see cref="PipelineEvent.Result"/> is its <see cref="StageResult{TResult}"/> as JSON.</summary>
    Completed,

    /// <summary>The job failed: a stage had failures under <see cref="PipelineFailurePolicy.FailJob"/>, or a fan-out threw.</summary>
    Failed,
}
