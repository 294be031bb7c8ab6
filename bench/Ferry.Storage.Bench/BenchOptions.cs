namespace Ferry.Storage.Bench;

/// <summary>Command-line settings of the storage benchmark.</summary>
internal sealed class BenchOptions
{
    public double Seconds { get; set; } = 5;

    public int[] Producers { get; set; } = [1, 16, 64, 256];

    public int RecoveryMessages { get; set; } = 1_000_000;

    /// <summary>Where the scratch databases go; on the disk under test, not tmpfs.</summary>
    public string Directory { get; set; } = Path.Combine(Path.GetTempPath(), "ferry-storage-bench");

    public bool Relaxed { get; set; }

    public bool RowIdTable { get; set; }

    /// <summary>Runs one phase only: fsync, commit, pairs or recovery.</summary>
    public string? Only { get; set; }
}
