namespace Ferry.Jobs;

/// <summary>A pipeline task succeeded, but sending its result to the control queue failed: the attempt is retried, never recorded as a failure.</summary>
internal sealed class OutcomeNotReportedException(Exception inner)
    : Exception("The task succeeded, but its result could not be sent to the pipeline's control queue.", inner);
