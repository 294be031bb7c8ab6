namespace Ferry.Storage.Bench;

/// <summary>One row of the throughput tables.</summary>
internal readonly record struct RunResult(double PerSecond, double SyncsPerSecond, double OpsPerSync, double P50Ms, double P99Ms, double WriterMicrosecondsPerMessage);
