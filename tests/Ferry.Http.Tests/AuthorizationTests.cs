using System.Net;

namespace Ferry.Http.Tests;

/// <summary>A server with development mode off and an admin token.</summary>
public sealed class SecuredServer : AdminServer
{
    public const string Token = "s3cret-admin-token";

    protected override FerryServerOptions CreateOptions() =>
        new() { InMemory = true, AmqpPort = 0, HttpPort = 0, DevelopmentMode = false, AdminToken = Token };
}

public class AuthorizationTests : IClassFixture<SecuredServer>
{
    private readonly SecuredServer _server;

    public AuthorizationTests(SecuredServer server) => _server = server;

    private async Task<HttpResponseMessage> GetAsync(string path, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await _server.Http.SendAsync(request);
    }

    [Theory]
    [InlineData("/api/entities")]
    [InlineData("/api/queues/status")]
    [InlineData("/api/queues/anything/messages")]
    [InlineData("/metrics")]
    public async Task NoAuthorization_Is401WithProblem(string path)
    {
        var response = await GetAsync(path, null);
        var problem = await AdminServer.JsonAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Authorization", (string?)problem["detail"]);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task NoAuthorization_CannotChangeAnything()
    {
        var queue = await _server.CreateQueueAsync();
        await _server.PostJsonAsync($"/api/queues/{queue.Name}/messages", "{\"body\":1}", HttpStatusCode.Unauthorized);
        await AdminServer.JsonAsync(await _server.Http.DeleteAsync($"/api/queues/{queue.Name}"), HttpStatusCode.Unauthorized);
        Assert.Equal(0, queue.GetRuntimeProperties().ActiveMessageCount);
        Assert.True(_server.Server.Broker.TryGetQueue(queue.Name, out _));
    }

    [Fact]
    public async Task BearerAdminToken_IsAccepted_AndAWrongOneIsNot()
    {
        await AdminServer.JsonAsync(await GetAsync("/api/entities", $"Bearer {SecuredServer.Token}"), HttpStatusCode.OK);
        var problem = await AdminServer.JsonAsync(await GetAsync("/api/entities", "Bearer guess"), HttpStatusCode.Unauthorized);
        Assert.Contains("not the admin token", (string?)problem["detail"]);
        var metrics = await GetAsync("/metrics", $"Bearer {SecuredServer.Token}");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task SasToken_ForTheNamespace_IsAccepted()
    {
        var token = AdminServer.SasToken("sb://localhost/", DateTimeOffset.UtcNow.AddHours(1));
        await AdminServer.JsonAsync(await GetAsync("/api/entities", token), HttpStatusCode.OK);
    }

    [Fact]
    public async Task SasToken_ForTheQueue_CoversThatQueueOnly()
    {
        var queue = await _server.CreateQueueAsync();
        var token = AdminServer.SasToken($"sb://localhost/{queue.Name}", DateTimeOffset.UtcNow.AddHours(1));
        var status = await AdminServer.JsonAsync(await GetAsync($"/api/queues/{queue.Name}/status", token), HttpStatusCode.OK);
        Assert.Equal(queue.Name, (string?)status["name"]);
        await AdminServer.JsonAsync(await GetAsync("/api/queues/other-queue/status", token), HttpStatusCode.Unauthorized);
        await AdminServer.JsonAsync(await GetAsync("/api/entities", token), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SasToken_ExpiredOrWrongKey_Is401()
    {
        var expired = AdminServer.SasToken("sb://localhost/", DateTimeOffset.UtcNow.AddMinutes(-1));
        var problem = await AdminServer.JsonAsync(await GetAsync("/api/entities", expired), HttpStatusCode.Unauthorized);
        Assert.Contains("expired", (string?)problem["detail"]);
        var forged = AdminServer.SasToken("sb://localhost/", DateTimeOffset.UtcNow.AddHours(1), key: "not-the-key");
        await AdminServer.JsonAsync(await GetAsync("/api/entities", forged), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task HealthAndOpenApi_StayOpen()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/health", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/openapi", null)).StatusCode);
    }
}

/// <summary>Bound to every interface with DevelopmentMode unset: the loopback rule closes the admin API.</summary>
public sealed class NetworkBoundServer : AdminServer
{
    protected override FerryServerOptions CreateOptions() => new() { InMemory = true, AmqpPort = 0, HttpPort = 0, Bind = "any" };
}

public class DevelopmentModeTests : IClassFixture<NetworkBoundServer>, IClassFixture<AdminServer>
{
    private readonly NetworkBoundServer _network;
    private readonly AdminServer _loopback;

    public DevelopmentModeTests(NetworkBoundServer network, AdminServer loopback)
    {
        _network = network;
        _loopback = loopback;
    }

    [Fact]
    public async Task LoopbackBind_IsOpenWithoutToken()
    {
        Assert.Equal("localhost", _loopback.Server.Options.Bind);
        Assert.Null(_loopback.Server.Options.DevelopmentMode);
        await _loopback.GetJsonAsync("/api/entities");
    }

    [Fact]
    public async Task AnyBind_NeedsAToken()
    {
        await _network.GetJsonAsync("/api/entities", HttpStatusCode.Unauthorized);
    }
}
