using System.Net;
using System.Text;
using Ferry.Broker;
using static Ferry.Atom.Tests.AtomServer;

namespace Ferry.Atom.Tests;

/// <summary>Authorization, bad input, routing next to the JSON API, and the namespace resource.</summary>
public sealed class ErrorTests(AtomServer fixture) : IClassFixture<AtomServer>
{
    private HttpClient Unsigned() => new() { BaseAddress = fixture.Http.BaseAddress, Timeout = AtomServer.Timeout };

    [Fact]
    public async Task Request_WithoutAuthorization_Returns401()
    {
        using var http = Unsigned();
        await ErrorAsync(await http.GetAsync("/$Resources/Queues?api-version=2021-05"), HttpStatusCode.Unauthorized, "no Authorization header");
    }

    [Fact]
    public async Task Request_SignedWithWrongKey_Returns401AndCreatesNothing()
    {
        using var http = Unsigned();
        var name = UniqueName();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/{name}?api-version=2021-05")
        {
            Content = AtomContent(Entry("QueueDescription", "")),
        };
        request.Headers.TryAddWithoutValidation("Authorization", SasToken("https://localhost/", DateTimeOffset.UtcNow.AddHours(1), key: "wrong"));

        await ErrorAsync(await http.SendAsync(request), HttpStatusCode.Unauthorized, "signature does not match");
        Assert.False(fixture.Server.Broker.TryGetQueue(name, out _));
    }

    [Fact]
    public async Task Request_WithExpiredToken_Returns401()
    {
        using var http = Unsigned();
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", SasToken("https://localhost/", DateTimeOffset.UtcNow.AddMinutes(-1)));
        await ErrorAsync(await http.GetAsync("/$namespaceinfo?api-version=2021-05"), HttpStatusCode.Unauthorized, "expired");
    }

    [Fact]
    public async Task Request_WithServiceBusAuthorizationHeader_IsAccepted()
    {
        using var http = Unsigned();
        http.DefaultRequestHeaders.TryAddWithoutValidation("ServiceBusAuthorization", SasToken("https://localhost/", DateTimeOffset.UtcNow.AddHours(1)));
        await XmlAsync(await http.GetAsync("/$namespaceinfo?api-version=2021-05"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task NamespaceInfo_ReturnsNameSkuAndTimes()
    {
        var d = Xml.Description(await XmlAsync(await fixture.GetAsync("/$namespaceinfo"), HttpStatusCode.OK));
        Assert.Equal("NamespaceInfo", d.Name.LocalName);
        Assert.Equal("localhost", Xml.Field(d, "Name"));
        Assert.Equal("Premium", Xml.Field(d, "MessagingSKU"));
        Assert.Equal("1", Xml.Field(d, "MessagingUnits"));
        Assert.True(DateTimeOffset.Parse(Xml.Field(d, "CreatedTime")) <= DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task PutQueue_MalformedXml_Returns400()
    {
        var name = UniqueName();
        await ErrorAsync(await fixture.PutAsync($"/{name}", "<entry><content>"), HttpStatusCode.BadRequest, "not well-formed XML");
        Assert.False(fixture.Server.Broker.TryGetQueue(name, out _));
    }

    [Fact]
    public async Task PutQueue_EmptyBody_Returns400()
    {
        await ErrorAsync(await fixture.PutAsync($"/{UniqueName()}", ""), HttpStatusCode.BadRequest, "no body");
    }

    [Fact]
    public async Task PutQueue_DocumentTypeDefinition_Returns400()
    {
        var body = "<?xml version=\"1.0\"?><!DOCTYPE entry [<!ENTITY x \"boom\">]><entry xmlns=\"http://www.w3.org/2005/Atom\"><content>&x;</content></entry>";
        await ErrorAsync(await fixture.PutAsync($"/{UniqueName()}", body), HttpStatusCode.BadRequest, "not well-formed XML");
    }

    [Fact]
    public async Task PutQueue_UnknownElement_Returns400NamingIt()
    {
        var name = UniqueName();
        await ErrorAsync(await fixture.PutAsync($"/{name}", Entry("QueueDescription", "<LockDurationX>PT1M</LockDurationX>")),
            HttpStatusCode.BadRequest, "'LockDurationX' is not part of a QueueDescription");
        Assert.False(fixture.Server.Broker.TryGetQueue(name, out _));
    }

    [Theory]
    [InlineData("<LockDuration>PT10M</LockDuration>", "LockDuration 00:10:00 is out of range")]
    [InlineData("<LockDuration>ten minutes</LockDuration>", "LockDuration 'ten minutes' is not an ISO 8601 duration")]
    [InlineData("<MaxDeliveryCount>0</MaxDeliveryCount>", "MaxDeliveryCount 0 is out of range")]
    [InlineData("<MaxDeliveryCount>many</MaxDeliveryCount>", "MaxDeliveryCount 'many' is not an integer")]
    [InlineData("<RequiresSession>yes</RequiresSession>", "RequiresSession 'yes' is not true or false")]
    [InlineData("<Status>Paused</Status>", "Status 'Paused' is not one of Active")]
    public async Task PutQueue_BadValue_Returns400NamingTheField(string elements, string detail)
    {
        var name = UniqueName();
        await ErrorAsync(await fixture.PutAsync($"/{name}", Entry("QueueDescription", elements)), HttpStatusCode.BadRequest, detail);
        Assert.False(fixture.Server.Broker.TryGetQueue(name, out _));
    }

    [Fact]
    public async Task PutQueue_InvalidName_Returns400()
    {
        await ErrorAsync(await fixture.PutAsync("/bad!name", Entry("QueueDescription", "")), HttpStatusCode.BadRequest, "is invalid");
    }

    [Fact]
    public async Task PutSubscriptionPath_WithQueueDescription_Returns400()
    {
        await ErrorAsync(await fixture.PutAsync($"/{UniqueName()}/Subscriptions/s", Entry("QueueDescription", "")),
            HttpStatusCode.BadRequest, "expected a SubscriptionDescription");
    }

    [Fact]
    public async Task UnsupportedMethod_Returns405()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/$Resources/Queues?api-version=2021-05");
        await ErrorAsync(await fixture.Http.SendAsync(request), HttpStatusCode.MethodNotAllowed, "POST is not supported");
        await ErrorAsync(await fixture.DeleteAsync("/$Resources/Queues"), HttpStatusCode.MethodNotAllowed, "not allowed");
    }

    [Fact]
    public async Task UnknownDollarResource_Returns404()
    {
        await ErrorAsync(await fixture.GetAsync("/$Resources/EventHubs"), HttpStatusCode.NotFound, "is not known");
    }

    [Fact]
    public async Task BadPaging_Returns400()
    {
        await ErrorAsync(await fixture.GetAsync("/$Resources/Queues?$top=0&api-version=2021-05"), HttpStatusCode.BadRequest, "$top '0'");
        await ErrorAsync(await fixture.GetAsync("/$Resources/Queues?$skip=-1&api-version=2021-05"), HttpStatusCode.BadRequest, "$skip '-1'");
    }

    [Fact]
    public async Task QueueNamedHealth_AtomRequestReachesIt_WhilePlainHealthStaysJson()
    {
        await fixture.Server.Broker.CreateQueueAsync("health", new QueueSettings());

        var entry = await XmlAsync(await fixture.GetAsync("/health"), HttpStatusCode.OK);
        using var json = await fixture.Http.GetAsync("/health");

        Assert.Equal("health", Xml.Title(entry));
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PutWithAtomContentTypeWithoutApiVersion_IsAnAtomRequest()
    {
        var name = UniqueName();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/{name}") { Content = AtomContent(Entry("QueueDescription", "")) };

        await XmlAsync(await fixture.Http.SendAsync(request), HttpStatusCode.Created);
        Assert.True(fixture.Server.Broker.TryGetQueue(name, out _));
    }

    [Fact]
    public async Task JsonAdminApi_IsNotIntercepted()
    {
        using var response = await fixture.Http.GetAsync("/api/entities");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OversizedBody_Returns400()
    {
        var body = Entry("QueueDescription", $"<UserMetadata>{new string('x', 1_100_000)}</UserMetadata>");
        await ErrorAsync(await fixture.PutAsync($"/{UniqueName()}", body), HttpStatusCode.BadRequest, "larger than");
    }

    [Fact]
    public async Task ErrorBody_IsPlainXmlWithCodeAndDetail()
    {
        using var response = await fixture.GetAsync($"/{UniqueName()}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>404</Code><Detail>The messaging entity 'sb://localhost/", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\uFEFF", Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync())[..1], StringComparison.Ordinal);
    }
}
