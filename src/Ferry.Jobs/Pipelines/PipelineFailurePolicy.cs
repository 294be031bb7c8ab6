namespace Ferry.Jobs;

/// <summary>What a pipeline does when a stage has fanned in with failed tasks (after their retries).</summary>
public enum PipelineFailurePolicy
{
    /// <summary>The job fails: no further stage runs (the default).</summary>
    FailJob,

    /// <summary>The next stage runs with the successful results; the failures are recorded in <see cref="StageResult{TResult}.Failures"/>.</summary>
    ContinueWithFailures,
}
