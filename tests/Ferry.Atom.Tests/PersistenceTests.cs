using System.Net;
using Ferry.Broker;
using static Ferry.Atom.Tests.AtomServer;

namespace Ferry.Atom.Tests;

/// <summary>What the Atom API changes survives a restart, and wins over the config file.</summary>
public sealed class PersistenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ferry-atom-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class DurableServer(string directory, string? configFile) : AtomServer
    {
        protected override FerryServerOptions CreateOptions() =>
            new() { DataDirectory = directory, ConfigFile = configFile, AmqpPort = 0, HttpPort = 0, AmqpsPort = -1, HttpsPort = -1 };
    }

    private async Task<T> WithServerAsync<T>(string? configFile, Func<AtomServer, Task<T>> action)
    {
        var server = new DurableServer(_directory, configFile);
        await server.InitializeAsync();
        try
        {
            return await action(server);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task ConfigQueue_ChangedThroughAtom_KeepsTheChangeAfterRestartWithTheSameFile()
    {
        var config = Path.Combine(_directory, "config.json");
        await File.WriteAllTextAsync(config,
            """{"UserConfig":{"Namespaces":[{"Name":"ns","Queues":[{"Name":"jobs","Properties":{"MaxDeliveryCount":3}}]}]}}""");

        await WithServerAsync(config, async server =>
        {
            Assert.Equal(EntityOrigin.Config, server.Server.Broker.GetQueue("jobs").Origin);
            await XmlAsync(await server.PutAsync("/jobs", Entry("QueueDescription", "<MaxDeliveryCount>9</MaxDeliveryCount>"), update: true), HttpStatusCode.OK);
            Assert.Equal(EntityOrigin.Api, server.Server.Broker.GetQueue("jobs").Origin);
            return 0;
        });

        var after = await WithServerAsync(config, server =>
            Task.FromResult(server.Server.Broker.GetQueue("jobs").Settings.MaxDeliveryCount));
        Assert.Equal(9, after);
    }

    [Fact]
    public async Task EntitiesCreatedThroughAtom_SurviveRestart()
    {
        await WithServerAsync(null, async server =>
        {
            await XmlAsync(await server.PutAsync("/orders-q", Entry("QueueDescription", "<LockDuration>PT2M</LockDuration>")), HttpStatusCode.Created);
            await XmlAsync(await server.PutAsync("/orders", Entry("TopicDescription", "")), HttpStatusCode.Created);
            await XmlAsync(await server.PutAsync("/orders/Subscriptions/eu", Entry("SubscriptionDescription", "<MaxDeliveryCount>4</MaxDeliveryCount>")),
                HttpStatusCode.Created);
            await XmlAsync(await server.PutAsync("/orders/Subscriptions/eu/Rules/eu", Entry("RuleDescription",
                "<Filter xmlns:p4=\"http://www.w3.org/2001/XMLSchema-instance\" p4:type=\"SqlFilter\"><SqlExpression>region = 'eu'</SqlExpression></Filter>")),
                HttpStatusCode.Created);
            return 0;
        });

        await WithServerAsync(null, async server =>
        {
            var queue = Xml.Description(await XmlAsync(await server.GetAsync("/orders-q"), HttpStatusCode.OK));
            Assert.Equal("PT2M", Xml.Field(queue, "LockDuration"));
            var subscription = Xml.Description(await XmlAsync(await server.GetAsync("/orders/Subscriptions/eu"), HttpStatusCode.OK));
            Assert.Equal("4", Xml.Field(subscription, "MaxDeliveryCount"));
            var rules = Xml.Entries(await XmlAsync(await server.GetAsync("/orders/Subscriptions/eu/Rules/"), HttpStatusCode.OK));
            Assert.Equal(["$Default", "eu"], rules.Select(Xml.Title));
            return 0;
        });
    }
}
