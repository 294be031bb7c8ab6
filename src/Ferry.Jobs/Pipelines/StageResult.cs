namespace Ferry.Jobs;

/// <summary>
/// A stage after its fan-in, as the next stage's fan-out (or the pipeline's result) sees it. Without a reducer,
/// <see cref="Results"/> holds every successful task's result in task order; with one, <see cref="Aggregate"/> holds the
/// reduction and <see cref="Results"/> is empty.
/// </summary>
public sealed class StageResult<TResult>
{
    internal StageResult(string stage, int taskCount, int succeeded, int failed, IReadOnlyList<TResult> results, TResult? aggregate,
        IReadOnlyList<TaskFailure> failures)
    {
        Stage = stage;
        TaskCount = taskCount;
        Succeeded = succeeded;
        Failed = failed;
        Results = results;
        Aggregate = aggregate;
        Failures = failures;
    }

    public string Stage { get; }

    public int TaskCount { get; }

    public int Succeeded { get; }

    public int Failed { get; }

    /// <summary>The successful tasks' results in task order (failed tasks leave no entry); empty when the stage reduces.</summary>
    public IReadOnlyList<TResult> Results { get; }

    /// <summary>The reducer's result over the successful tasks (default when the stage has no reducer or no success).</summary>
    public TResult? Aggregate { get; }

    /// <summary>The failed tasks, the first <see cref="PipelineRegistration.MaxRecordedFailures"/> of them (<see cref="Failed"/> counts all).</summary>
    public IReadOnlyList<TaskFailure> Failures { get; }
}
