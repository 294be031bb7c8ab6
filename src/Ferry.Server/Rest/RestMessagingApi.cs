using System.Globalization;
using System.Xml.Linq;
using Ferry.Broker;
using Ferry.Server.Amqp;
using Ferry.Server.Atom;
using Ferry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Rest;

/// <summary>
/// The Service Bus REST messaging API on the HTTP port (docs/rest-api.md): send (single and JSON batch), receive-and-delete,
/// peek-lock with a <c>Location</c> for the locked message, unlock, complete and renew, with <c>timeout</c> long polling.
/// </summary>
/// <remarks>
/// It runs as middleware ahead of the Atom management API, because both use entity paths of any depth and the Atom API
/// claims any request with <c>api-version</c> or an XML content type, which REST messaging clients send too. It takes
/// only its own shapes (<see cref="RestPath"/>); an Atom-looking PUT or DELETE whose whole path names an entity, or whose
/// entity part names none, is left to the Atom API. Long polls register a receiver with credit 1 and wait for its
/// delivery: no polling. Every answer that acknowledges a change comes after the store committed it.
/// </remarks>
internal sealed class RestMessagingApi
{
    public const int DefaultTimeoutSeconds = 60;
    public const int MaxTimeoutSeconds = 3600;

    private readonly FerryBroker _broker;
    private readonly TimeProvider _time;
    private readonly RestAuthorization _authorization;
    private readonly RestLocks _locks = new();
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;

    /// <param name="stopping">Ends long polls (with 204) when the server stops, so they do not hold up its shutdown.</param>
    public RestMessagingApi(FerryBroker broker, FerryServerOptions options, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        _broker = broker;
        _time = time;
        _authorization = new RestAuthorization(options, time);
        _logger = logger;
        _stopping = stopping;
    }

    /// <summary>Puts the REST messaging API into the pipeline; call it before the Atom API's middleware.</summary>
    public static IApplicationBuilder UseFerryRestMessaging(IApplicationBuilder app)
    {
        var services = app.ApplicationServices;
        var api = new RestMessagingApi(
            services.GetRequiredService<FerryBroker>(),
            services.GetRequiredService<FerryServerOptions>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Ferry.Server.Rest"),
            services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        return app.Use(next => context => api.TryClaim(context, out var path) ? api.HandleAsync(context, path) : next(context));
    }

    /// <summary>
    /// True when the request is a REST messaging operation this API answers. A path of a messaging shape whose entity
    /// does not exist is left to a mapped endpoint that matched it (the admin API's <c>POST /api/queues/{name}/messages</c>),
    /// and otherwise answered here with 404.
    /// </summary>
    public bool TryClaim(HttpContext context, out RestPath path)
    {
        var request = context.Request;
        if (!RestPath.TryParse(request.Method, request.Path.Value ?? "/", out path))
            return false;
        var exists = _broker.TryResolve(path.Entity, out _, out _) || _broker.TryGetSendTarget(path.Entity, out _);
        if (!exists && context.GetEndpoint() is not null)
            return false;
        if (HttpMethods.IsPost(request.Method) || !AtomManagementApi.IsAtomRequest(request))
            return true;
        var whole = Uri.UnescapeDataString((request.Path.Value ?? "/").Trim('/'));
        if (_broker.TryGetSendTarget(whole, out _) || _broker.TryResolve(whole, out _, out _))
            return false;
        return exists;
    }

    public async Task HandleAsync(HttpContext context, RestPath path)
    {
        var aborted = context.RequestAborted;
        try
        {
            if (_authorization.Check(context, path.Entity) is { } reason)
            {
                context.Response.Headers.WWWAuthenticate = "SharedAccessSignature";
                throw new RestException(StatusCodes.Status401Unauthorized, reason);
            }
            var task = path.Operation switch
            {
                RestOperation.Send => SendAsync(context, path),
                RestOperation.PeekLock or RestOperation.ReceiveAndDelete => ReceiveAsync(context, path),
                _ => SettleAsync(context, path),
            };
            await task.ConfigureAwait(false);
        }
        catch (RestException ex)
        {
            await ErrorAsync(context, ex.Status, ex.Message).ConfigureAwait(false);
        }
        catch (BrokerException ex)
        {
            await ErrorAsync(context, RestException.StatusOf(ex.Code), ex.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await ErrorAsync(context, ex.StatusCode, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "The REST messaging request {Method} {Path} failed.", context.Request.Method, context.Request.Path);
            await ErrorAsync(context, StatusCodes.Status500InternalServerError, "The request failed inside the server; the server log has the details.")
                .ConfigureAwait(false);
        }
    }

    private async Task SendAsync(HttpContext context, RestPath path)
    {
        if (!_broker.TryGetSendTarget(path.Entity, out var target))
        {
            if (_broker.TryResolve(path.Entity, out _, out _))
                throw RestException.BadRequest($"'{path.Entity}' is a subscription or a dead-letter queue; messages are sent to queues and topics.");
            throw NotFound(path.Entity, "queue or topic");
        }
        var request = context.Request;
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = buffer.ToArray();
        }
        var messages = RestMessageReader.IsBatch(request.ContentType) ? RestMessageReader.ReadBatch(body) : [RestMessageReader.ReadSingle(body, request)];
        var now = _time.GetUtcNow();
        var incoming = new List<IncomingMessage>(messages.Count);
        foreach (var message in messages)
            incoming.Add(ServiceBusMessageCodec.ToIncoming(message.ToIncoming(now).Body.ToArray(), now, target.EvaluatesRules));
        // Not tied to the request: a send that started completes, durably, whether or not the client still listens.
        using (FerryTelemetry.StartSend(target.Name, incoming))
            await target.SendAsync(incoming, CancellationToken.None).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status201Created;
    }

    private async Task ReceiveAsync(HttpContext context, RestPath path)
    {
        var entity = Receivable(path.Entity);
        var subQueue = ResolveSubQueue(path.Entity);
        var timeout = Timeout(context.Request);
        var message = await ReceiveOneAsync(entity, subQueue, timeout, context.RequestAborted).ConfigureAwait(false);
        if (message is null)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        var body = await entity.LoadBodyAsync(message, CancellationToken.None).ConfigureAwait(false);
        if (body is null)
        {
            // Only a message removed behind its lock's back (entity purged) gets here.
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        if (path.Operation == RestOperation.ReceiveAndDelete)
        {
            // Delivered under a lock, removed once the store committed the removal, then answered: a client that went
            // away before the message was taken leaves it in place.
            await entity.CompleteAsync(message.LockToken, CancellationToken.None).ConfigureAwait(false);
            await RestMessageWriter.WriteAsync(context.Response, StatusCodes.Status200OK, message, body.Value, locked: false, location: null,
                context.RequestAborted).ConfigureAwait(false);
            return;
        }
        _locks.Add(entity, message);
        var request = context.Request;
        var location = $"{request.Scheme}://{request.Host}{request.PathBase}{RestPath.LockedMessagePath(path.Entity, message.SequenceNumber, message.LockToken)}";
        await RestMessageWriter.WriteAsync(context.Response, StatusCodes.Status201Created, message, body.Value, locked: true, location,
            context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Registers a peek-lock receiver with credit 1 and waits for its delivery until the time-out. Null when nothing came.
    /// A message delivered while the client went away is unlocked again. The server stopping ends the wait.
    /// </summary>
    private async Task<BrokerMessage?> ReceiveOneAsync(QueueEntity entity, SubQueue subQueue, TimeSpan timeout, CancellationToken aborted)
    {
        var sink = new LongPollSink();
        var receiver = entity.CreateReceiver(subQueue, ReceiveMode.PeekLock, sink);
        try
        {
            receiver.AddCredit(1);
            if (!sink.Delivered.IsCompleted && timeout > TimeSpan.Zero)
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted, _stopping);
                var expired = Task.Delay(timeout, _time, stop.Token);
                await Task.WhenAny(sink.Delivered, expired).ConfigureAwait(false);
                await stop.CancelAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            // Deliveries happen under the entity's lock, and so does this: after it, the sink's state is final.
            receiver.Dispose();
        }
        if (!sink.Delivered.IsCompleted)
        {
            aborted.ThrowIfCancellationRequested();
            return null;
        }
        var message = await sink.Delivered.ConfigureAwait(false);
        if (aborted.IsCancellationRequested)
        {
            await entity.AbandonAsync(message.LockToken, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            aborted.ThrowIfCancellationRequested();
        }
        return message;
    }

    private async Task SettleAsync(HttpContext context, RestPath path)
    {
        var entity = Receivable(path.Entity);
        var token = path.LockToken;
        if (!entity.HoldsLock(token))
        {
            _locks.Remove(token);
            throw new RestException(StatusCodes.Status410Gone,
                $"The lock {token} is not held on '{path.Entity}': it expired, the message was settled, or it never existed. Receive the message again.");
        }
        if (!_locks.Matches(token, path.MessageReference))
        {
            throw new RestException(StatusCodes.Status404NotFound,
                $"No message with sequence number or message id '{path.MessageReference}' holds the lock {token} on '{path.Entity}'.");
        }
        switch (path.Operation)
        {
            case RestOperation.Unlock:
                await entity.AbandonAsync(token, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                _locks.Remove(token);
                break;
            case RestOperation.Complete:
                await entity.CompleteAsync(token, CancellationToken.None).ConfigureAwait(false);
                _locks.Remove(token);
                break;
            default:
                var until = entity.RenewLock(token);
                context.Response.Headers[RestMessageReader.BrokerPropertiesHeader] =
                    $"{{\"LockToken\":\"{token}\",\"LockedUntilUtc\":\"{RestMessageWriter.Rfc1123(until)}\"}}";
                break;
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>The queue, subscription or dead-letter queue a receive or settle names.</summary>
    private QueueEntity Receivable(string entity)
    {
        if (_broker.TryResolve(entity, out var queue, out _))
            return queue;
        if (_broker.TryGetSendTarget(entity, out _))
            throw RestException.BadRequest($"'{entity}' is a topic; receive from one of its subscriptions: {entity}/Subscriptions/{{name}}.");
        throw NotFound(entity, "queue or subscription");
    }

    private SubQueue ResolveSubQueue(string entity) => _broker.TryResolve(entity, out _, out var subQueue) ? subQueue : SubQueue.Main;

    private RestException NotFound(string entity, string kind) =>
        new(StatusCodes.Status404NotFound, $"The messaging entity '{_broker.EntityAddress(entity)}' could not be found: no {kind} has that name.");

    private static TimeSpan Timeout(HttpRequest request)
    {
        var raw = request.Query["timeout"];
        if (raw.Count == 0)
            return TimeSpan.FromSeconds(DefaultTimeoutSeconds);
        if (raw.Count == 1 && int.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= MaxTimeoutSeconds)
            return TimeSpan.FromSeconds(seconds);
        throw RestException.BadRequest($"The query parameter 'timeout' is '{raw}'; it must be a whole number of seconds from 0 to {MaxTimeoutSeconds}.");
    }

    /// <summary>An error as Service Bus answers one: <c>&lt;Error&gt;&lt;Code&gt;…&lt;/Code&gt;&lt;Detail&gt;…&lt;/Detail&gt;&lt;/Error&gt;</c>.</summary>
    private static async Task ErrorAsync(HttpContext context, int status, string detail)
    {
        var response = context.Response;
        if (response.HasStarted)
            return;
        response.StatusCode = status;
        response.ContentType = "application/xml; charset=utf-8";
        var xml = new XElement("Error", new XElement("Code", status), new XElement("Detail", detail)).ToString(SaveOptions.DisableFormatting);
        try
        {
            await response.WriteAsync(xml, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
    }
}
