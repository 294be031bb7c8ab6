using System.Net;
using static Ferry.Rest.Tests.RestServer;

namespace Ferry.Rest.Tests;

/// <summary>A server that is not in development mode: SAS tokens, scoped like Service Bus scopes them.</summary>
public sealed class SecuredRestServer : RestServer
{
    protected override FerryServerOptions CreateOptions() =>
        new() { InMemory = true, AmqpPort = 0, HttpPort = 0, DevelopmentMode = false, AdminToken = "admin-secret" };
}

public class AuthorizationTests : IClassFixture<SecuredRestServer>
{
    private readonly SecuredRestServer _server;

    public AuthorizationTests(SecuredRestServer server) => _server = server;

    private async Task<HttpResponseMessage> SendWith(string entity, string? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/{entity}/messages") { Content = new StringContent("x") };
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await _server.Http.SendAsync(request);
    }

    [Fact]
    public async Task NoToken_IsUnauthorized()
    {
        var queue = await _server.CreateQueueAsync();
        using var response = await SendWith(queue.Name, null);
        await Expect(response, HttpStatusCode.Unauthorized);
        Assert.Contains("SharedAccessSignature", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
    }

    [Fact]
    public async Task NamespaceToken_EntityToken_AndAdminToken_AreAccepted()
    {
        var queue = await _server.CreateQueueAsync();
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        await Expect(await SendWith(queue.Name, SasToken("sb://localhost/", expires)), HttpStatusCode.Created);
        await Expect(await SendWith(queue.Name, SasToken($"https://localhost/{queue.Name}", expires)), HttpStatusCode.Created);
        // Without a scheme, as the REST documentation writes sr.
        await Expect(await SendWith(queue.Name, SasToken($"localhost/{queue.Name}", expires)), HttpStatusCode.Created);
        await Expect(await SendWith(queue.Name, "Bearer admin-secret"), HttpStatusCode.Created);

        // A queue's token covers its dead-letter queue.
        var request = new HttpRequestMessage(HttpMethod.Delete, $"/{queue.Name}/$DeadLetterQueue/messages/head?timeout=0");
        request.Headers.TryAddWithoutValidation("Authorization", SasToken($"sb://localhost/{queue.Name}", expires));
        await Expect(await _server.Http.SendAsync(request), HttpStatusCode.NoContent);
        Assert.Equal(4, queue.GetRuntimeProperties().ActiveMessageCount);
    }

    [Fact]
    public async Task TokenForAnotherEntity_OrBadSignature_IsUnauthorized()
    {
        var queue = await _server.CreateQueueAsync();
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        await Expect(await SendWith(queue.Name, SasToken("sb://localhost/other-queue", expires)), HttpStatusCode.Unauthorized);
        await Expect(await SendWith(queue.Name, SasToken("sb://localhost/", expires, key: "wrong")), HttpStatusCode.Unauthorized);
        await Expect(await SendWith(queue.Name, SasToken("sb://localhost/", DateTimeOffset.UtcNow.AddHours(-1))), HttpStatusCode.Unauthorized);
        await Expect(await SendWith(queue.Name, "Bearer nope"), HttpStatusCode.Unauthorized);
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
    }
}
