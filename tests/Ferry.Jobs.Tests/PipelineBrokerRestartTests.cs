using Ferry.Broker;
using Ferry.Jobs.TestWorker;
using Ferry.Server;
using Ferry.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs.Tests;

/// <summary>A durable Ferry (its store on disk) stopped in the middle of a pipeline and started again on the same data and port.</summary>
public sealed class PipelineBrokerRestartTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "ferry-pipeline-restart-" + Guid.NewGuid().ToString("N"));
    private FerryServer? _server;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private async Task<FerryServer> StartServerAsync(int amqpPort) =>
        _server = await Task.Run(() => FerryServer.StartAsync(new FerryServerOptions { DataDirectory = _data, AmqpPort = amqpPort, HttpPort = 0 }));

    [Fact]
    public async Task BrokerRestart_MidStage_TheJobFinishes_WithOneTransitionPerStage()
    {
        const int n = 1000;
        var pipeline = PipelineQueues.NewName("restart");
        var server = await StartServerAsync(0);
        var port = server.AmqpPort;
        var connectionString = server.ConnectionString();
        await PipelineQueues.CreateAsync(server.Broker, pipeline, lockDuration: TimeSpan.FromSeconds(5));

        var probe = new PipelineProbe();
        var gate = new HelloWorldGate(from: 300); // stage 0 cannot fan in before the restart
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddFerryJobs(options =>
        {
            options.ConnectionString = connectionString;
            HelloWorld.Register(options, pipeline);
        });
        builder.Services.AddSingleton<IPipelineObserver>(probe);
        builder.Services.AddSingleton(gate);
        var host = builder.Build();
        await using var _ = (IAsyncDisposable)host;
        await host.StartAsync();

        var jobId = await host.Services.GetRequiredService<IPipelineClient>().StartAsync(pipeline, new HelloInput(n));
        await probe.WaitForAsync(e => e.Kind == PipelineEventKind.Progress && e.StageIndex == 0 && e.Succeeded >= 300, TimeSpan.FromSeconds(60));
        await server.DisposeAsync();
        _server = null;
        Assert.Equal(0, probe.Count(jobId, PipelineEventKind.StageStarted, 1));
        server = await StartServerAsync(port);
        gate.Open.SetResult(); // the held tasks finish; their locks died with the old broker, so they are delivered again

        var finished = await probe.FinishedAsync(jobId, TimeSpan.FromSeconds(120));

        Assert.Equal(PipelineEventKind.Completed, finished.Kind);
        Assert.Equal((long)n * (n - 1), finished.Result!.Value.GetProperty("aggregate").GetInt64());
        var state = await PipelineQueues.StateAsync(server.Broker, pipeline, jobId);
        var stages = state.GetProperty("stages").EnumerateArray().ToArray();
        Assert.Equal(["greet", "reply"], stages.Select(s => s.GetProperty("name").GetString()));
        Assert.All(stages, s => Assert.Equal((n, n), (s.GetProperty("tasks").GetInt32(), s.GetProperty("succeeded").GetInt32())));
        foreach (var queue in HelloWorld.Queues(pipeline))
            await FerryFixture.EventuallyAsync(() => server.Broker.GetQueue(queue).Peek(SubQueue.Main, 1, 10).Count == 0, $"{queue} drained");
        Assert.All(HelloWorld.Queues(pipeline), q => Assert.Empty(server.Broker.GetQueue(q).Peek(SubQueue.DeadLetter, 1, 10)));
        await host.StopAsync();
    }
}
