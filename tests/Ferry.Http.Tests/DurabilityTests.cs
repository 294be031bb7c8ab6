using System.Net;
using Ferry.Broker;

namespace Ferry.Http.Tests;

/// <summary>Purge and replay against the SQLite store, across a restart.</summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ferry-http-" + Guid.NewGuid().ToString("N"));

    private sealed class DiskServer : AdminServer
    {
        private readonly string _directory;

        public DiskServer(string directory) => _directory = directory;

        protected override FerryServerOptions CreateOptions() => new() { DataDirectory = _directory, AmqpPort = 0, HttpPort = 0 };
    }

    private async Task<DiskServer> StartAsync()
    {
        var server = new DiskServer(_directory);
        await server.InitializeAsync();
        return server;
    }

    [Fact]
    public async Task PurgeAndReplay_SurviveARestart()
    {
        var server = await StartAsync();
        string name;
        try
        {
            name = AdminServer.UniqueName();
            await server.PostJsonAsync("/api/queues", AdminServer.Serialize(new { name }), HttpStatusCode.Created);
            for (var i = 0; i < 4; i++)
                await server.PostJsonAsync($"/api/queues/{name}/messages", $"{{\"body\":{i}}}", HttpStatusCode.Created);
            var queue = server.Server.Broker.GetQueue(name);
            await BrokerMoves.DeadLetterAsync(queue, 2, "Poison", "bad");
            await server.PostJsonAsync($"/api/queues/{name}/deadletter/replay", "{\"all\":true}", HttpStatusCode.OK);
            await BrokerMoves.DeadLetterAsync(queue, 1, "Poison", "bad");
            var purged = await server.DeleteJsonAsync($"/api/queues/{name}/deadletter/messages");
            Assert.Equal(1, (int)purged["purged"]!);
        }
        finally
        {
            await server.DisposeAsync();
        }

        var restarted = await StartAsync();
        try
        {
            var status = await restarted.GetJsonAsync($"/api/queues/{name}/status");
            Assert.Equal(3, (long)status["active_messages"]!);
            Assert.Equal(0, (long)status["dead_letter_messages"]!);
            var messages = (await restarted.GetJsonAsync($"/api/queues/{name}/messages"))["messages"]!.AsArray();
            Assert.Equal(["3", "0", "1"], messages.Select(m => (string?)m!["body"]!["content"]));
            Assert.Equal("Poison", (string?)messages[1]!["applicationProperties"]!["x-ferry-deadletter-reason"]);

            var purged = await restarted.DeleteJsonAsync($"/api/queues/{name}/messages");
            Assert.Equal(3, (int)purged["purged"]!);
        }
        finally
        {
            await restarted.DisposeAsync();
        }

        var third = await StartAsync();
        try
        {
            Assert.Equal(0, third.Server.Broker.GetQueue(name).GetRuntimeProperties().TotalMessageCount);
        }
        finally
        {
            await third.DisposeAsync();
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
