using System.Diagnostics.Metrics;
using System.Text.Json;
using Ferry.Broker;
using Ferry.Server.Amqp;
using Ferry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Http;

/// <summary>
/// The JSON admin API for people and scripts (<c>/api/…</c>), Prometheus <c>/metrics</c> and the OpenAPI document
/// (<c>/openapi</c>, <c>/openapi.json</c>). See docs/admin-api.md.
/// </summary>
/// <remarks>
/// Every <c>/api</c> endpoint and <c>/metrics</c> go through <see cref="AdminAuthorization"/>; every error is a JSON
/// problem (<see cref="AdminProblem"/>): 400 naming the input at fault, 401, 404 naming the entity, 409, never a stack
/// trace. Queue names with a '/' are sent URL-encoded (<c>%2F</c>) in one path segment.
/// </remarks>
internal static partial class FerryAdminApi
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 1000;
    private const int DefaultBodyLimit = 64 * 1024;
    private const int MaxBodyLimit = 16 * 1024 * 1024;
    private const int MaxReplaySelection = 10_000;

    /// <summary>Maps the admin API, <c>/metrics</c> and <c>/openapi</c> on the server's HTTP endpoint.</summary>
    public static IEndpointRouteBuilder MapFerryAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        var options = services.GetRequiredService<FerryServerOptions>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Ferry.Server.Http");
        var authorization = new AdminAuthorization(options, services.GetRequiredService<TimeProvider>());
        if (authorization.IsOpen && !AdminAuthorization.IsLoopback(options.Bind))
            logger.LogWarning("Development mode is on and the server is bound to {Bind}: the admin API answers anyone without authorization.", options.Bind);
        else if (authorization.IsOpen)
            logger.LogInformation("Development mode (loopback bind): the admin API answers without authorization.");
        var connections = new ConnectionGauge(services.GetService<IMeterFactory>());
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(connections.Dispose);
        var metrics = new FerryMetrics(services.GetRequiredService<FerryBroker>(), services.GetRequiredService<LinkStatistics>());
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(metrics.Dispose);

        var authorize = Authorize(authorization);
        var errors = Errors(logger, "admin API");
        var api = endpoints.MapGroup("/api");
        api.AddEndpointFilter(authorize).AddEndpointFilter(errors);
        api.MapGet("/entities", ListEntities);
        api.MapGet("/queues/status", AllStatus);
        // Cast: a Func<HttpContext, Task<IResult>> would otherwise bind as a RequestDelegate and its result be dropped.
        api.MapPost("/queues", (Func<HttpContext, Task<IResult>>)CreateQueue);
        api.MapGet("/queues/{name}", GetQueue);
        api.MapPut("/queues/{name}", UpdateQueue);
        api.MapDelete("/queues/{name}", DeleteQueue);
        api.MapGet("/queues/{name}/status", Status);
        api.MapGet("/queues/{name}/messages", BrowseMain);
        api.MapPost("/queues/{name}/messages", SendTestMessage);
        api.MapDelete("/queues/{name}/messages", PurgeMain);
        api.MapGet("/queues/{name}/deadletter/messages", BrowseDeadLetter);
        api.MapDelete("/queues/{name}/deadletter/messages", PurgeDeadLetter);
        api.MapPost("/queues/{name}/deadletter/replay", Replay);
        // The same operations on a subscription, and a test message to a topic (fanned out by its rules).
        const string Subscription = "/topics/{topic}/subscriptions/{sub}";
        api.MapGet(Subscription + "/status", (HttpContext context, string topic, string sub) => Status(context, string.Empty));
        api.MapGet(Subscription + "/messages", (HttpContext context, string topic, string sub) => Browse(context, string.Empty, SubQueue.Main));
        api.MapDelete(Subscription + "/messages", (HttpContext context, string topic, string sub) => Purge(context, string.Empty, SubQueue.Main));
        api.MapGet(Subscription + "/deadletter/messages", (HttpContext context, string topic, string sub) => Browse(context, string.Empty, SubQueue.DeadLetter));
        api.MapDelete(Subscription + "/deadletter/messages", (HttpContext context, string topic, string sub) => Purge(context, string.Empty, SubQueue.DeadLetter));
        api.MapPost(Subscription + "/deadletter/replay", (HttpContext context, string topic, string sub) => Replay(context, string.Empty));
        api.MapPost("/topics/{name}/messages", Dashboard.FerryDashboardApi.SendToEntity);

        endpoints.MapGet("/metrics", (HttpContext context) => Metrics(context, connections, metrics)).AddEndpointFilter(authorize).AddEndpointFilter(errors);
        endpoints.MapGet("/openapi", () => Results.Text(AdminOpenApi.Document, "application/json"));
        endpoints.MapGet("/openapi.json", () => Results.Text(AdminOpenApi.Document, "application/json"));
        return endpoints;
    }

    /// <summary>The endpoint filter that answers 401 unless <paramref name="authorization"/> lets the request through (also used by the dashboard's API).</summary>
    internal static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> Authorize(AdminAuthorization authorization) =>
        async (context, next) =>
        {
            if (authorization.Check(context.HttpContext) is { } reason)
            {
                context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer, SharedAccessSignature";
                return AdminProblem.Unauthorized(reason);
            }
            return await next(context).ConfigureAwait(false);
        };

    /// <summary>
    /// The endpoint filter that turns bad input and broker errors into problem answers, and logs anything else as a 500
    /// without a stack trace in the answer (also used by the dashboard's API; <paramref name="area"/> names it in the log).
    /// </summary>
    internal static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> Errors(ILogger logger, string area) =>
        async (context, next) =>
        {
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (AdminInputException ex)
            {
                return AdminProblem.BadInput(ex);
            }
            catch (BrokerException ex)
            {
                return AdminProblem.FromBroker(ex, RouteName(context.HttpContext));
            }
            catch (OperationCanceledException) when (context.HttpContext.RequestAborted.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "The {Area} request {Method} {Path} failed.", area, context.HttpContext.Request.Method, context.HttpContext.Request.Path);
                return new AdminProblem(StatusCodes.Status500InternalServerError, "Internal error",
                    "The request failed inside the server; the server log has the details.").ToResult();
            }
        };

    /// <summary>The entity a route names: <c>{name}</c>, or <c>{topic}/Subscriptions/{sub}</c>.</summary>
    private static string? RouteName(HttpContext context)
    {
        var values = context.Request.RouteValues;
        if (values.TryGetValue("name", out var name) && name is not null)
            return Uri.UnescapeDataString(name.ToString()!);
        if (values.TryGetValue("topic", out var topic) && topic is not null && values.TryGetValue("sub", out var sub) && sub is not null)
            return $"{Uri.UnescapeDataString(topic.ToString()!)}/Subscriptions/{Uri.UnescapeDataString(sub.ToString()!)}";
        return null;
    }

    private static FerryBroker Broker(HttpContext context) => context.RequestServices.GetRequiredService<FerryBroker>();

    /// <summary>
    /// The queue (<c>{name}</c>) or subscription (<c>{topic}</c> and <c>{sub}</c>) a route names. A subscription that
    /// does not exist throws EntityNotFound, which <see cref="Errors"/> answers as 404.
    /// </summary>
    private static bool TryEntity(HttpContext context, string name, out QueueEntity queue, out IResult notFound)
    {
        var values = context.Request.RouteValues;
        if (values.TryGetValue("topic", out var topic) && topic is not null && values.TryGetValue("sub", out var sub) && sub is not null)
        {
            notFound = null!;
            queue = Broker(context).GetSubscription(Uri.UnescapeDataString(topic.ToString()!), Uri.UnescapeDataString(sub.ToString()!));
            return true;
        }
        return TryQueue(context, name, out queue, out notFound);
    }

    /// <summary>The queue a route names (names are case-insensitive; '/' arrives as %2F).</summary>
    private static bool TryQueue(HttpContext context, string name, out QueueEntity queue, out IResult notFound)
    {
        var decoded = Uri.UnescapeDataString(name);
        notFound = null!;
        if (Broker(context).TryGetQueue(decoded, out queue))
            return true;
        notFound = AdminProblem.QueueNotFound(decoded);
        return false;
    }

    private static IResult Metrics(HttpContext context, ConnectionGauge connections, FerryMetrics metrics)
    {
        var httpPort = context.Connection.LocalPort;
        var byListener = new Dictionary<string, long>(StringComparer.Ordinal) { ["amqp"] = 0, ["http"] = 0 };
        foreach (var (port, open) in connections.OpenByPort)
            byListener[port == httpPort ? "http" : "amqp"] += open;
        return Results.Stream(output => metrics.ExportAsync(output, byListener, context.RequestAborted), FerryMetrics.ContentType);
    }

    /// <summary>An optional integer query parameter within a range; anything else is a 400 naming it.</summary>
    private static long QueryNumber(HttpRequest request, string name, long defaultValue, long min, long max)
    {
        var raw = request.Query[name];
        if (raw.Count == 0)
            return defaultValue;
        if (raw.Count == 1 && long.TryParse(raw[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max)
            return value;
        throw new AdminInputException(name, $"The query parameter '{name}' is '{raw}'.", $"a whole number from {min} to {max}");
    }

    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                return property.Value;
        }
        return null;
    }
}
