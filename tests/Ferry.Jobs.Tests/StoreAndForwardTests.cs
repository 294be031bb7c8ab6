using System.Net;
using System.Net.Sockets;
using Ferry.Broker;
using Ferry.Jobs.Store;
using Ferry.Server;
using Ferry.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs.Tests;

/// <summary>
/// Store-and-forward against a real, durable Ferry on a fixed port that is stopped and started again: a job submitted
/// while it is down is kept in the store, then forwarded and handled once when it is back.
/// </summary>
public sealed class StoreAndForwardTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"ferry-saf-{Guid.NewGuid():N}");
    private FerryServerOptions _options = null!;
    private FerryServer? _server;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        _options = new FerryServerOptions { DataDirectory = Path.Combine(_directory, "ferry"), AmqpPort = port, HttpPort = 0 };
        _server = await StartFerryAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private Task<FerryServer> StartFerryAsync() =>
        Task.Run(() => FerryServer.StartAsync(new FerryServerOptions
        {
            DataDirectory = _options.DataDirectory, AmqpPort = _options.AmqpPort, HttpPort = 0,
        }));

    [Fact]
    public async Task BrokerDown_SubmitIsKeptLocally_ThenForwardedAndHandledOnce_WhenItIsBack()
    {
        await _server!.Broker.CreateQueueAsync("scoring", new QueueSettings { RequiresDuplicateDetection = true, MaxDeliveryCount = 5 });
        var connectionString = _server.ConnectionString();
        var probe = new OutcomeProbe();
        var handled = new List<string>();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new DelegateHandler<ScoringJob>((context, _) =>
        {
            lock (handled)
                handled.Add(context.JobId);
            return Task.CompletedTask;
        }));
        builder.Services.AddFerryJobs(options =>
        {
            options.ConnectionString = connectionString;
            options.UseSqliteStore(Path.Combine(_directory, "jobs.db"));
            options.StoreAndForwardTimeout = TimeSpan.FromSeconds(10);
            options.OnOutcome = probe.Record;
            options.AddJob<ScoringJob, DelegateHandler<ScoringJob>>("scoring");
        });
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IJobClient>();
        var store = host.Services.GetRequiredService<IJobStore>();

        // Up: a normal submit, handled. Connected first: on a loaded machine a cold connect alone can take seconds.
        await host.Services.GetRequiredService<AmqpServiceBusConnection>().ConnectAsync().WaitAsync(Timeout);
        var first = await client.SubmitJobAsync(new ScoringJob("before", 1), "job-before");
        Assert.False(first.QueuedLocally);
        await probe.WaitForAsync("job-before", JobOutcomeKind.Completed);
        // The completion is fire-and-forget (settle mode first): stopping Ferry before it applies it would redeliver the job.
        await FerryFixture.EventuallyAsync(() => _server.Broker.GetQueue("scoring").Peek(SubQueue.Main, 1, 10).Count == 0, "job-before completed");

        // Down: accepted, queued locally, durable before the call returns (read without a flush).
        await _server.DisposeAsync();
        _server = null;
        var receipt = await client.SubmitJobAsync(new ScoringJob("while-down", 2), "job-down").WaitAsync(Timeout);
        Assert.Equal(new JobReceipt("job-down", "scoring", QueuedLocally: true), receipt);
        var kept = await store.GetJobAsync("job-down");
        Assert.Equal(JobState.QueuedLocally, kept!.Job.State);
        Assert.Equal("job-down", Assert.Single(await store.GetQueuedLocallyAsync(10)).Id);

        // Jobs behind it are kept at once, without waiting out the 10 s timeout again. One is for a queue that does not exist.
        var second = await client.SubmitJobAsync(new ScoringJob("while-down", 3), "job-down-2").WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(second.QueuedLocally);
        var refused = await client.SubmitJobToAsync("no-such-queue", new ScoringJob("x", 0), "job-refused").WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(refused.QueuedLocally);

        // Back on the same port and data: forwarded with the same MessageId, handled once.
        _server = await StartFerryAsync();
        await probe.WaitForAsync("job-down", JobOutcomeKind.Completed).WaitAsync(Timeout);
        await probe.WaitForAsync("job-down-2", JobOutcomeKind.Completed).WaitAsync(Timeout);
        // The forwarder clears its backlog after it has handled (and committed) every kept job, the refused one included.
        await FerryFixture.EventuallyAsync(() => !host.Services.GetRequiredService<JobForwarder>().HasBacklog, "the forwarder caught up");
        await store.FlushAsync();
        Assert.Equal(JobState.Succeeded, (await store.GetJobAsync("job-down"))!.Job.State);
        Assert.Empty(await store.GetQueuedLocallyAsync(10));
        lock (handled)
            Assert.Equal(["job-before", "job-down", "job-down-2"], handled);

        // The broker's refusal does not hold the others back: that job is Failed with the broker's error.
        var failed = (await store.GetJobAsync("job-refused"))!.Job;
        Assert.Equal(JobState.Failed, failed.State);
        Assert.Contains("amqp:not-found", failed.Error!.Message);

        // Caught up: a submit goes to the broker again.
        Assert.False((await client.SubmitJobAsync(new ScoringJob("after", 4), "job-after")).QueuedLocally);
        await probe.WaitForAsync("job-after", JobOutcomeKind.Completed);
        await host.StopAsync();
    }
}
