namespace Ferry.Jobs.AspNetCore;

/// <summary>Settings of the HTTP job API (<c>MapFerryJobs</c>).</summary>
public sealed class FerryJobsApiOptions
{
    /// <summary>
    /// The broker's management HTTP(S) address, for <c>GET /queues</c>. Default: <c>http://{host}:5300</c> for a Ferry
    /// connection string (<c>UseDevelopmentEmulator=true</c>), <c>https://{host}</c> for Azure.
    /// </summary>
    public Uri? ManagementEndpoint { get; set; }

    /// <summary>Most jobs in one <c>POST /jobs/{type}/batch</c> (default 1000).</summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>Jobs sent to the broker at once while a batch is submitted (default 100).</summary>
    public int SendConcurrency { get; set; } = 100;

    /// <summary>Most dead letters one replay request moves (default 100; a request may ask for fewer with <c>?max=</c>).</summary>
    public int MaxReplay { get; set; } = 100;
}
