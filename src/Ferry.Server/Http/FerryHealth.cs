using Ferry.Broker;
using Ferry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ferry.Server.Http;

/// <summary>
/// Liveness and readiness, without authorization (orchestrators probe them): <c>/health/live</c> answers 200 while the
/// process serves HTTP; <c>/health/ready</c> and <c>/health</c> answer 200 while the broker takes work — the store
/// recovered (HTTP listens only after that), its last group commit succeeded and its writer runs, and the server is not
/// shutting down — else 503, with the store's status and last error in the body either way. The store's <c>durability</c>
/// says what an acknowledgement means: <c>synced</c> (on disk), <c>relaxed</c> (written to the operating system, see
/// <see cref="FerryServerOptions.RelaxedDurability"/>) or <c>none</c> (in memory).
/// </summary>
internal static class FerryHealth
{
    public static IEndpointRouteBuilder MapFerryHealth(this IEndpointRouteBuilder endpoints, string engine, string durability)
    {
        var stopping = endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        endpoints.MapGet("/health/live", () => Results.Json(new LiveReport("live"), HealthJson.Default.LiveReport));
        endpoints.MapGet("/health/ready", (FerryBroker broker) => Ready(broker, engine, durability, stopping));
        endpoints.MapGet("/health", (FerryBroker broker) => Ready(broker, engine, durability, stopping));
        return endpoints;
    }

    private static IResult Ready(FerryBroker broker, string engine, string durability, CancellationToken stopping)
    {
        var statistics = broker.Store.Statistics;
        var store = new StoreReport(
            engine,
            durability,
            statistics.WriterStopped ? "stopped" : statistics.Healthy ? "ok" : "failing",
            statistics.LastError,
            statistics.LastErrorTicks == 0 ? null : new DateTimeOffset(statistics.LastErrorTicks, TimeSpan.Zero),
            statistics.FailedCommits);
        var status = stopping.IsCancellationRequested ? "stopping" : statistics.Healthy ? "ready" : "not-ready";
        var entities = broker.Queues.Count + broker.Topics.Count;
        return Results.Json(new ReadyReport(status, entities, store), HealthJson.Default.ReadyReport,
            statusCode: status == "ready" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    internal sealed record LiveReport(string Status);

    internal sealed record ReadyReport(string Status, int Entities, StoreReport Store);

    internal sealed record StoreReport(string Engine, string Durability, string Status, string? LastError, DateTimeOffset? LastErrorTime, long FailedCommits);
}

/// <summary>
/// The health reports' JSON, generated at compile time: the first probe after start is answered without building
/// serializers by reflection (part of the start-up target).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(FerryHealth.LiveReport))]
[JsonSerializable(typeof(FerryHealth.ReadyReport))]
internal sealed partial class HealthJson : JsonSerializerContext;
