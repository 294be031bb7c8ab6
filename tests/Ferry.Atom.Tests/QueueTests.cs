using System.Net;
using Amqp;
using Ferry.Broker;
using static Ferry.Atom.Tests.AtomServer;

namespace Ferry.Atom.Tests;

/// <summary>Queues through the Atom API: create, get, update, list with paging, delete, runtime counts.</summary>
public sealed class QueueTests(AtomServer fixture) : IClassFixture<AtomServer>
{
    private const string QueueBody = "<LockDuration>PT2M</LockDuration><MaxSizeInMegabytes>2048</MaxSizeInMegabytes>"
        + "<RequiresDuplicateDetection>false</RequiresDuplicateDetection><RequiresSession>false</RequiresSession>"
        + "<DefaultMessageTimeToLive>PT1H</DefaultMessageTimeToLive><DeadLetteringOnMessageExpiration>true</DeadLetteringOnMessageExpiration>"
        + "<MaxDeliveryCount>5</MaxDeliveryCount><EnableBatchedOperations>true</EnableBatchedOperations><Status>Active</Status>"
        + "<UserMetadata>scores</UserMetadata><EnablePartitioning>false</EnablePartitioning>";

    [Fact]
    public async Task PutQueue_New_Returns201WithDescriptionAndCreatesApiQueue()
    {
        var name = UniqueName();
        var entry = await XmlAsync(await fixture.PutAsync($"/{name}", Entry("QueueDescription", QueueBody)), HttpStatusCode.Created);

        Assert.Equal(name, Xml.Title(entry));
        Assert.Equal($"http://127.0.0.1:{fixture.Server.HttpPort}/{name}?api-version=2021-05", Xml.Id(entry));
        var d = Xml.Description(entry);
        Assert.Equal("QueueDescription", d.Name.LocalName);
        Assert.Equal("PT2M", Xml.Field(d, "LockDuration"));
        Assert.Equal("2048", Xml.Field(d, "MaxSizeInMegabytes"));
        Assert.Equal("PT1H", Xml.Field(d, "DefaultMessageTimeToLive"));
        Assert.Equal("true", Xml.Field(d, "DeadLetteringOnMessageExpiration"));
        Assert.Equal("5", Xml.Field(d, "MaxDeliveryCount"));
        Assert.Equal("PT10M", Xml.Field(d, "DuplicateDetectionHistoryTimeWindow"));
        Assert.Equal("scores", Xml.Field(d, "UserMetadata"));
        Assert.Equal("Available", Xml.Field(d, "EntityAvailabilityStatus"));

        var queue = fixture.Server.Broker.GetQueue(name);
        Assert.Equal(EntityOrigin.Api, queue.Origin);
        Assert.Equal(TimeSpan.FromMinutes(2), queue.Settings.LockDuration);
        Assert.Equal(5, queue.Settings.MaxDeliveryCount);
        Assert.True(queue.Settings.DeadLetteringOnMessageExpiration);
    }

    [Fact]
    public async Task PutQueue_Existing_WithoutIfMatch_Returns409AndKeepsSettings()
    {
        var name = UniqueName();
        await XmlAsync(await fixture.PutAsync($"/{name}", Entry("QueueDescription", "<MaxDeliveryCount>4</MaxDeliveryCount>")), HttpStatusCode.Created);

        await ErrorAsync(await fixture.PutAsync($"/{name}", Entry("QueueDescription", "<MaxDeliveryCount>9</MaxDeliveryCount>")),
            HttpStatusCode.Conflict, "already exists");
        Assert.Equal(4, fixture.Server.Broker.GetQueue(name).Settings.MaxDeliveryCount);
    }

    [Fact]
    public async Task PutQueue_IfMatch_UpdatesGivenSettingsAndKeepsTheOthers()
    {
        var name = UniqueName();
        await XmlAsync(await fixture.PutAsync($"/{name}", Entry("QueueDescription", QueueBody)), HttpStatusCode.Created);

        var entry = await XmlAsync(await fixture.PutAsync($"/{name}", Entry("QueueDescription",
            "<LockDuration>PT30S</LockDuration><MaxDeliveryCount>8</MaxDeliveryCount><Status>SendDisabled</Status>"), update: true), HttpStatusCode.OK);

        var d = Xml.Description(entry);
        Assert.Equal("PT30S", Xml.Field(d, "LockDuration"));
        Assert.Equal("8", Xml.Field(d, "MaxDeliveryCount"));
        Assert.Equal("SendDisabled", Xml.Field(d, "Status"));
        Assert.Equal("2048", Xml.Field(d, "MaxSizeInMegabytes"));
        var settings = fixture.Server.Broker.GetQueue(name).Settings;
        Assert.Equal(TimeSpan.FromSeconds(30), settings.LockDuration);
        Assert.Equal(EntityStatus.SendDisabled, settings.Status);
        Assert.Equal(TimeSpan.FromHours(1), settings.DefaultMessageTimeToLive);
    }

    [Fact]
    public async Task PutQueue_IfMatch_Missing_Returns404()
    {
        await ErrorAsync(await fixture.PutAsync($"/{UniqueName()}", Entry("QueueDescription", "<MaxDeliveryCount>8</MaxDeliveryCount>"), update: true),
            HttpStatusCode.NotFound, "could not be found");
    }

    [Fact]
    public async Task PutQueue_ForwardToAbsoluteAddress_StoresEntityNameAndReportsAddress()
    {
        var target = UniqueName();
        var name = UniqueName();
        await fixture.Server.Broker.CreateQueueAsync(target, new QueueSettings());

        var entry = await XmlAsync(await fixture.PutAsync($"/{name}",
            Entry("QueueDescription", $"<ForwardTo>sb://localhost:5301/{target}</ForwardTo>")), HttpStatusCode.Created);

        Assert.Equal(target, fixture.Server.Broker.GetQueue(name).Settings.ForwardTo);
        Assert.Equal($"sb://localhost/{target}", Xml.Field(Xml.Description(entry), "ForwardTo"));
    }

    [Fact]
    public async Task GetQueue_AfterSendsOverAmqp_ReportsCountsSizeAndTimes()
    {
        var name = UniqueName();
        var queue = await fixture.Server.Broker.CreateQueueAsync(name, new QueueSettings());
        var connection = await Connection.Factory.CreateAsync(fixture.AmqpAddress);
        try
        {
            var sender = new SenderLink(new Session(connection), "sender", name);
            for (var i = 0; i < 3; i++)
                await sender.SendAsync(new Message($"body {i}"));
        }
        finally
        {
            await connection.CloseAsync();
        }

        var d = Xml.Description(await XmlAsync(await fixture.GetAsync($"/{name}"), HttpStatusCode.OK));

        Assert.Equal(3, Xml.Count(d, "ActiveMessageCount"));
        Assert.Equal(0, Xml.Count(d, "DeadLetterMessageCount"));
        Assert.Equal(0, Xml.Count(d, "ScheduledMessageCount"));
        Assert.Equal(0, Xml.Count(d, "TransferMessageCount"));
        Assert.Equal(0, Xml.Count(d, "TransferDeadLetterMessageCount"));
        Assert.Equal("3", Xml.Field(d, "MessageCount"));
        Assert.True(long.Parse(Xml.Field(d, "SizeInBytes")) > 0);
        Assert.Equal(queue.CreatedAt, DateTimeOffset.Parse(Xml.Field(d, "CreatedAt")));
        Assert.True(DateTimeOffset.Parse(Xml.Field(d, "UpdatedAt")) >= queue.CreatedAt);
        Assert.True(DateTimeOffset.Parse(Xml.Field(d, "AccessedAt")) >= queue.CreatedAt);
        // The JS client finds the counts' prefix from CountDetails' single attribute.
        var countDetails = d.Element(Xml.ServiceBus + "CountDetails")!;
        var attribute = Assert.Single(countDetails.Attributes());
        Assert.True(attribute.IsNamespaceDeclaration);
        Assert.Equal(Xml.Counts.NamespaceName, attribute.Value);
    }

    [Fact]
    public async Task ListQueues_TopAndSkip_PagesWithNextLinkUntilTheEnd()
    {
        var prefix = UniqueName();
        for (var i = 0; i < 5; i++)
            await fixture.Server.Broker.CreateQueueAsync($"{prefix}-{i}", new QueueSettings());

        var seen = new List<string>();
        string? next = "/$Resources/Queues?$top=2&api-version=2021-05";
        var pages = 0;
        while (next is not null)
        {
            var feed = await XmlAsync(await fixture.GetAsync(next), HttpStatusCode.OK);
            var entries = Xml.Entries(feed);
            Assert.True(entries.Count <= 2);
            seen.AddRange(entries.Select(e => Xml.Description(e).Name.LocalName == "QueueDescription" ? Xml.Title(e) : "?"));
            next = Xml.NextLink(feed) is { } href ? new Uri(href).PathAndQuery : null;
            pages++;
        }

        var expected = fixture.Server.Broker.Queues.Select(q => q.Name).Order(StringComparer.OrdinalIgnoreCase).ToList();
        Assert.Equal(expected, seen);
        Assert.Equal((expected.Count + 1) / 2, pages);
        Assert.Contains($"{prefix}-4", seen);
    }

    [Fact]
    public async Task ListQueues_SkipPastTheEnd_ReturnsEmptyFeedWithoutNextLink()
    {
        var feed = await XmlAsync(await fixture.GetAsync("/$Resources/Queues?$skip=100000&api-version=2021-05"), HttpStatusCode.OK);
        Assert.Empty(Xml.Entries(feed));
        Assert.Null(Xml.NextLink(feed));
    }

    [Fact]
    public async Task DeleteQueue_Existing_Returns200AndRemovesIt_ThenGetReturns404()
    {
        var name = UniqueName();
        await fixture.Server.Broker.CreateQueueAsync(name, new QueueSettings());

        var response = await fixture.DeleteAsync($"/{name}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(fixture.Server.Broker.TryGetQueue(name, out _));
        await ErrorAsync(await fixture.GetAsync($"/{name}"), HttpStatusCode.NotFound, $"'sb://localhost/{name}' could not be found");
        await ErrorAsync(await fixture.DeleteAsync($"/{name}"), HttpStatusCode.NotFound, "could not be found");
    }

    [Fact]
    public async Task PutQueue_NameWithSlash_CreatesNestedQueue()
    {
        var name = $"{UniqueName()}/inner";
        var entry = await XmlAsync(await fixture.PutAsync($"/{name}", Entry("QueueDescription", "")), HttpStatusCode.Created);
        Assert.Equal(name, Xml.Title(entry));
        Assert.True(fixture.Server.Broker.TryGetQueue(name, out _));
    }
}
