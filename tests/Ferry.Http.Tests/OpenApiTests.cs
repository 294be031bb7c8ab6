using System.Net;
using System.Text.Json.Nodes;

namespace Ferry.Http.Tests;

public class OpenApiTests : IClassFixture<AdminServer>
{
    private readonly AdminServer _server;

    public OpenApiTests(AdminServer server) => _server = server;

    [Theory]
    [InlineData("/api/entities", "get")]
    [InlineData("/api/queues", "post")]
    [InlineData("/api/queues/status", "get")]
    [InlineData("/api/queues/{name}", "get")]
    [InlineData("/api/queues/{name}", "put")]
    [InlineData("/api/queues/{name}", "delete")]
    [InlineData("/api/queues/{name}/status", "get")]
    [InlineData("/api/queues/{name}/messages", "get")]
    [InlineData("/api/queues/{name}/messages", "post")]
    [InlineData("/api/queues/{name}/messages", "delete")]
    [InlineData("/api/queues/{name}/deadletter/messages", "get")]
    [InlineData("/api/queues/{name}/deadletter/messages", "delete")]
    [InlineData("/api/queues/{name}/deadletter/replay", "post")]
    [InlineData("/api/topics/{topic}/messages", "post")]
    [InlineData("/api/topics/{topic}/subscriptions/{sub}/status", "get")]
    [InlineData("/api/topics/{topic}/subscriptions/{sub}/messages", "get")]
    [InlineData("/api/topics/{topic}/subscriptions/{sub}/messages", "delete")]
    [InlineData("/api/topics/{topic}/subscriptions/{sub}/deadletter/messages", "get")]
    [InlineData("/api/topics/{topic}/subscriptions/{sub}/deadletter/messages", "delete")]
    [InlineData("/api/topics/{topic}/subscriptions/{sub}/deadletter/replay", "post")]
    [InlineData("/health/live", "get")]
    [InlineData("/health/ready", "get")]
    [InlineData("/metrics", "get")]
    public async Task Document_DescribesEveryEndpoint(string path, string method)
    {
        foreach (var url in new[] { "/openapi", "/openapi.json" })
        {
            var response = await _server.Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.StartsWith("3.", (string?)document["openapi"]);
            Assert.NotNull(document["paths"]![path]?[method]?["responses"]);
        }
    }

    [Fact]
    public async Task Document_EveryReferenceResolves()
    {
        var text = await _server.Http.GetStringAsync("/openapi");
        var document = JsonNode.Parse(text)!;
        foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(text, "\"\\$ref\": \"#/([^\"]+)\""))
        {
            JsonNode? node = document;
            foreach (var part in match.Groups[1].Value.Split('/'))
                node = node?[part];
            Assert.True(node is not null, $"Unresolved {match.Groups[1].Value}");
        }
    }
}
