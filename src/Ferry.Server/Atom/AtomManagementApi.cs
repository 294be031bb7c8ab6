using System.Globalization;
using System.Xml.Linq;
using Ferry.Broker;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Atom;

/// <summary>
/// The Service Bus management API in its Atom/XML form — what <c>ServiceBusAdministrationClient</c> (JS, .NET, Java,
/// Python) speaks: PUT (create; with <c>If-Match: *</c>, update), GET and DELETE of queues, topics, subscriptions and
/// rules, lists with <c>$skip</c>/<c>$top</c> and <c>next</c> links, runtime properties, and <c>$namespaceinfo</c>.
/// Served on the HTTP and HTTPS ports; see docs/management-api.md.
/// </summary>
/// <remarks>
/// Entities created or changed here have <see cref="EntityOrigin.Api"/>, so the config file no longer overrides them at
/// start. Every failure is an <c>&lt;Error&gt;&lt;Code/&gt;&lt;Detail/&gt;&lt;/Error&gt;</c> with the status the clients map
/// (400, 401, 403, 404, 405, 409, 503); nothing is half-created, because a body is fully parsed and checked before the
/// broker is called.
/// </remarks>
internal sealed partial class AtomManagementApi
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    private readonly FerryBroker _broker;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AtomAuthorization _authorization;
    private readonly string _namespaceName;
    private readonly DateTimeOffset _startedAt;

    public AtomManagementApi(FerryBroker broker, FerryServerOptions options, TimeProvider time, ILogger logger)
    {
        _broker = broker;
        _time = time;
        _logger = logger;
        _authorization = new AtomAuthorization(options.EffectiveKeys, time);
        _namespaceName = options.NamespaceHost.Split('.')[0];
        _startedAt = time.GetUtcNow();
    }

    /// <summary>
    /// True for a request meant for this API: it carries <c>api-version</c> (every administration client sends it), an
    /// Atom or XML body, or addresses <c>$Resources</c> / <c>$namespaceinfo</c>. Anything else is left to the JSON API
    /// and the other HTTP endpoints.
    /// </summary>
    public static bool IsAtomRequest(HttpRequest request)
    {
        if (request.Query.ContainsKey("api-version"))
            return true;
        var contentType = request.ContentType;
        if (contentType is not null
            && (contentType.StartsWith("application/atom+xml", StringComparison.OrdinalIgnoreCase)
                || contentType.StartsWith("application/xml", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }
        var path = request.Path.Value ?? string.Empty;
        return path.StartsWith("/$Resources", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("/$namespaceinfo", StringComparison.OrdinalIgnoreCase);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        try
        {
            if (_authorization.Check(request) is { } reason)
            {
                context.Response.Headers.WWWAuthenticate = "SharedAccessSignature";
                throw new AtomException(StatusCodes.Status401Unauthorized, reason);
            }
            var path = AtomPath.Parse(request.Path.Value ?? "/");
            var task = request.Method switch
            {
                "GET" => GetAsync(context, path),
                "PUT" => PutAsync(context, path),
                "DELETE" => DeleteAsync(context, path),
                _ => throw new AtomException(StatusCodes.Status405MethodNotAllowed, $"The method {request.Method} is not supported; use GET, PUT or DELETE."),
            };
            await task.ConfigureAwait(false);
        }
        catch (AtomException ex)
        {
            await ErrorAsync(context, ex.Status, ex.Message).ConfigureAwait(false);
        }
        catch (BrokerException ex)
        {
            await ErrorAsync(context, StatusOf(ex.Code), ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "The management request {Method} {Path} failed.", request.Method, request.Path);
            await ErrorAsync(context, StatusCodes.Status500InternalServerError, "The server failed to process the request; see its log.").ConfigureAwait(false);
        }
    }

    private Task GetAsync(HttpContext context, AtomPath path) => path.Resource switch
    {
        AtomResource.NamespaceInfo => EntryAsync(context, StatusCodes.Status200OK, path.ToUrlPath(), _namespaceName, _startedAt, _startedAt,
            AtomDescriptions.Namespace(_namespaceName, _startedAt)),
        AtomResource.QueueList => ListQueuesAsync(context, path),
        AtomResource.TopicList => ListTopicsAsync(context, path),
        AtomResource.Entity => GetEntityAsync(context, path),
        AtomResource.SubscriptionList => ListSubscriptionsAsync(context, path),
        AtomResource.Subscription => GetSubscriptionAsync(context, path),
        AtomResource.RuleList => ListRulesAsync(context, path),
        _ => GetRuleAsync(context, path),
    };

    private Task PutAsync(HttpContext context, AtomPath path) => path.Resource switch
    {
        AtomResource.Entity => PutEntityAsync(context, path),
        AtomResource.Subscription => PutSubscriptionAsync(context, path),
        AtomResource.Rule => PutRuleAsync(context, path),
        _ => throw NotAllowed(context, path),
    };

    private Task DeleteAsync(HttpContext context, AtomPath path) => path.Resource switch
    {
        AtomResource.Entity => DeleteEntityAsync(context, path),
        AtomResource.Subscription => DeleteSubscriptionAsync(context, path),
        AtomResource.Rule => DeleteRuleAsync(context, path),
        _ => throw NotAllowed(context, path),
    };

    private static AtomException NotAllowed(HttpContext context, AtomPath path) =>
        new(StatusCodes.Status405MethodNotAllowed, $"{context.Request.Method} is not allowed on '{path.ToUrlPath()}'; lists and $namespaceinfo are read with GET.");

    private static bool IsUpdate(HttpRequest request) => request.Headers.IfMatch.ToString().Trim() == "*";

    /// <summary>An update with If-Match: * is answered 200, a create 201, as Service Bus does.</summary>
    private static int PutStatus(bool update) => update ? StatusCodes.Status200OK : StatusCodes.Status201Created;

    private static int StatusOf(BrokerErrorCode code) => code switch
    {
        BrokerErrorCode.EntityNotFound or BrokerErrorCode.MessageNotFound => StatusCodes.Status404NotFound,
        BrokerErrorCode.EntityAlreadyExists => StatusCodes.Status409Conflict,
        BrokerErrorCode.QuotaExceeded => StatusCodes.Status403Forbidden,
        BrokerErrorCode.ShuttingDown => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    private static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    private static string ResourceUrl(HttpRequest request, string urlPath) => $"{BaseUrl(request)}/{urlPath}?api-version={AtomNames.ApiVersion}";

    private Task EntryAsync(HttpContext context, int status, string urlPath, string title, DateTimeOffset published, DateTimeOffset updated, XElement description) =>
        AtomWriter.WriteAsync(context.Response, status, AtomNames.EntryContentType, Entry(context.Request, urlPath, title, published, updated, description));

    private XElement Entry(HttpRequest request, string urlPath, string title, DateTimeOffset published, DateTimeOffset updated, XElement description) =>
        AtomWriter.Entry(ResourceUrl(request, urlPath), title, _namespaceName, published, updated, description);

    /// <summary>
    /// Writes one page of a list: <c>$skip</c> (default 0) and <c>$top</c> (default 100, at most 1000) select it, and a
    /// <c>next</c> link with the following <c>$skip</c> is added while items remain.
    /// </summary>
    private async Task FeedAsync<T>(HttpContext context, AtomPath path, string title, IReadOnlyList<T> items, Func<T, XElement> entry)
    {
        var query = context.Request.Query;
        var skip = PagingNumber(query["$skip"].ToString(), "$skip", 0, int.MaxValue, 0);
        var top = Math.Min(PagingNumber(query["$top"].ToString(), "$top", 1, int.MaxValue, DefaultPageSize), MaxPageSize);
        var page = new List<XElement>();
        for (var i = skip; i < items.Count && page.Count < top; i++)
            page.Add(entry(items[i]));
        var urlPath = path.ToUrlPath();
        var next = skip + page.Count < items.Count
            ? $"{BaseUrl(context.Request)}/{urlPath}?$skip={skip + page.Count}&$top={top}&api-version={AtomNames.ApiVersion}"
            : null;
        var feed = AtomWriter.Feed(ResourceUrl(context.Request, urlPath), title, _time.GetUtcNow(), next, page);
        await AtomWriter.WriteAsync(context.Response, StatusCodes.Status200OK, AtomNames.FeedContentType, feed).ConfigureAwait(false);
    }

    private static int PagingNumber(string text, string name, int min, int max, int fallback)
    {
        if (text.Length == 0)
            return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw AtomException.BadRequest($"{name} '{text}' is not a number from {min} to {max}.");
    }

    private static Task ErrorAsync(HttpContext context, int status, string detail)
    {
        if (context.Response.HasStarted)
            return Task.CompletedTask;
        return AtomWriter.WriteAsync(context.Response, status, AtomNames.ErrorContentType, AtomWriter.Error(status, detail));
    }
}
