using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Amqp;
using Ferry.Jobs.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs.AspNetCore;

/// <summary>The handlers of the HTTP job API. One instance per MapFerryJobs call.</summary>
internal sealed partial class JobsApi
{
    private const int MaxBodyBytes = 16 * 1024 * 1024;

    private readonly FerryJobsOptions _jobs;
    private readonly FerryJobsApiOptions _options;
    private readonly JobClient _client;
    private readonly JobAdministration _administration;
    private readonly AmqpServiceBusConnection _connection;
    private readonly JobLifecycle _lifecycle;
    private readonly IJobStore? _store;
    private readonly ILogger _logger;
    private readonly JsonSerializerOptions _strict;

    public JobsApi(FerryJobsApiOptions options, IServiceProvider services)
    {
        _options = options;
        _jobs = services.GetRequiredService<FerryJobsOptions>();
        _client = services.GetRequiredService<JobClient>();
        _administration = services.GetRequiredService<JobAdministration>();
        _connection = services.GetRequiredService<AmqpServiceBusConnection>();
        _lifecycle = services.GetRequiredService<JobLifecycle>();
        _store = services.GetService<IJobStore>();
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Ferry.Jobs.Api");
        if (options.ManagementEndpoint is { } endpoint)
            _administration.ManagementEndpoint = endpoint;
        // Payloads from HTTP are checked harder than the worker reads them: no unknown members, no missing required or
        // non-nullable values, so a bad request is a 400 naming the field rather than a job that fails later.
        _strict = new JsonSerializerOptions(_jobs.SerializerOptions)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
        };
    }

    public async Task<IResult> SubmitAsync(string type, string? jobId, HttpRequest request, CancellationToken cancellationToken)
    {
        if (_jobs.FindJob(type) is not { } job)
            return UnknownType(type);
        if (jobId is { Length: 0 or > 128 })
            return Invalid("jobId", "A job id is 1 to 128 characters.");
        var body = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
            return Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body is larger than {MaxBodyBytes} bytes.");
        if (!TryReadPayload(body, job.PayloadType, "", out var payload, out var problem))
            return problem;
        try
        {
            var receipt = await _client.SubmitRawAsync(job.Queue, job.JobType, payload, jobId, cancellationToken).ConfigureAwait(false);
            return Results.Accepted($"{request.PathBase}/jobs/{Uri.EscapeDataString(receipt.JobId)}", Receipt(receipt));
        }
        catch (Exception ex) when (ex is AmqpException or ServiceBusRequestException or TimeoutException)
        {
            return BrokerFailed(job.Queue, ex);
        }
    }

    public async Task<IResult> SubmitBatchAsync(string type, HttpRequest request, CancellationToken cancellationToken)
    {
        if (_jobs.FindJob(type) is not { } job)
            return UnknownType(type);
        var body = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
            return Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body is larger than {MaxBodyBytes} bytes.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            return Invalid("$", $"The body is not JSON: {ex.Message}");
        }
        byte[][] payloads;
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                return Invalid("$", "The body is a JSON array of payloads.");
            var count = document.RootElement.GetArrayLength();
            if (count == 0 || count > _options.MaxBatchSize)
                return Invalid("$", $"A batch holds 1 to {_options.MaxBatchSize} jobs; this one has {count}.");
            payloads = new byte[count][];
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (!TryReadPayload(JsonSerializer.SerializeToUtf8Bytes(element), job.PayloadType, $"[{index}]", out payloads[index], out var problem))
                    return problem;
                index++;
            }
        }

        var receipts = new JobReceipt[payloads.Length];
        try
        {
            await Parallel.ForAsync(0, payloads.Length, new ParallelOptions { MaxDegreeOfParallelism = _options.SendConcurrency, CancellationToken = cancellationToken },
                async (i, ct) => receipts[i] = await _client.SubmitRawAsync(job.Queue, job.JobType, payloads[i], null, ct).ConfigureAwait(false))
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmqpException or ServiceBusRequestException or TimeoutException)
        {
            // Some may have been sent: the caller sees which are recorded through GET /jobs.
            return BrokerFailed(job.Queue, ex);
        }
        var local = 0;
        foreach (var receipt in receipts)
            local += receipt.QueuedLocally ? 1 : 0;
        return Results.Json(new { count = receipts.Length, queuedLocally = local, jobs = receipts.Select(Receipt) }, statusCode: StatusCodes.Status202Accepted);
    }

    public async Task<IResult> GetJobAsync(string id, CancellationToken cancellationToken)
    {
        if (_store is null)
            return NoStore();
        var details = await _store.GetJobAsync(id, cancellationToken).ConfigureAwait(false);
        if (details is null)
            return NotFound(id);
        var job = details.Job;
        long total = 0, finished = 0;
        foreach (var stage in details.Stages)
        {
            total += stage.TasksTotal;
            finished += Math.Min(stage.TasksTotal, stage.TasksSucceeded + stage.TasksFailed);
        }
        var progress = total > 0 ? (double)finished / total : job.State.IsFinished() ? 1.0 : 0.0;
        return Results.Json(new
        {
            id = job.Id,
            type = job.Type,
            queue = job.Queue,
            state = job.State.ToString(),
            attempts = job.Attempts,
            maxAttempts = job.MaxAttempts,
            createdAt = job.CreatedAt,
            startedAt = job.StartedAt,
            finishedAt = job.FinishedAt,
            updatedAt = job.UpdatedAt,
            progress,
            result = job.ResultJson is null ? (JsonElement?)null : JsonDocument.Parse(job.ResultJson).RootElement.Clone(),
            error = job.Error is null ? null : new { type = job.Error.Type, message = job.Error.Message },
            stages = details.Stages.Select(s => new
            {
                name = s.Name,
                state = s.State.ToString(),
                tasks = new { total = s.TasksTotal, succeeded = s.TasksSucceeded, failed = s.TasksFailed, running = s.TasksRunning },
                progress = s.Progress,
                startedAt = s.StartedAt,
                finishedAt = s.FinishedAt,
            }),
            taskErrors = details.TaskErrors.Select(e => new { stage = e.Stage, task = e.TaskId, type = e.Type, message = e.Message }),
        });
    }

    public async Task<IResult> ListJobsAsync(string? type, string? state, int? limit, string? continuation, CancellationToken cancellationToken)
    {
        if (_store is null)
            return NoStore();
        JobState? parsed = null;
        if (state is not null)
        {
            if (!JobStates.TryParse(state, out var s))
                return Invalid("state", $"Unknown state '{state}'.", string.Join(", ", Enum.GetNames<JobState>()));
            parsed = s;
        }
        if (limit is < 1 or > 1000)
            return Invalid("limit", $"The limit {limit} is out of range.", "1 to 1000");
        JobPage page;
        try
        {
            page = await _store.ListJobsAsync(new JobQuery { Type = type, State = parsed, Limit = limit ?? 50, Continuation = continuation }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (ArgumentException ex) when (ex.ParamName == "continuation")
        {
            return Invalid("continuation", "The continuation is not one this API returned.");
        }
        return Results.Json(new
        {
            jobs = page.Jobs.Select(j => new
            {
                id = j.Id,
                type = j.Type,
                queue = j.Queue,
                state = j.State.ToString(),
                attempts = j.Attempts,
                createdAt = j.CreatedAt,
                finishedAt = j.FinishedAt,
                error = j.Error is null ? null : new { type = j.Error.Type, message = j.Error.Message },
            }),
            continuation = page.Continuation,
        });
    }

    public async Task<IResult> RetryAsync(string id, HttpRequest request, CancellationToken cancellationToken)
    {
        if (_store is null)
            return NoStore();
        var details = await _store.GetJobAsync(id, cancellationToken).ConfigureAwait(false);
        if (details is null)
            return NotFound(id);
        if (details.Job.State is not (JobState.Failed or JobState.DeadLettered or JobState.Cancelled))
            return Problem(StatusCodes.Status409Conflict, "Not retryable", $"Job '{id}' is {details.Job.State}; only Failed, DeadLettered and Cancelled jobs are retried.");
        var stored = await _store.GetStoredJobAsync(id, cancellationToken).ConfigureAwait(false);
        if (stored is null)
            return Problem(StatusCodes.Status409Conflict, "Not retryable", $"The store has no payload for job '{id}' (it was submitted by a process without a store).");
        // Recorded before the send: a worker may take the job and record Running before the send returns here.
        _store.Append(new JobEvent(JobEventKind.Requeued, id, _lifecycle.Now) { Type = stored.Type, Queue = stored.Queue });
        try
        {
            // A new MessageId: duplicate detection would drop the job id. The job id stays in ferry-job-id; a new message
            // starts at delivery count 0, so attempts count from 1 again.
            await _client.SendAsync(stored.Queue, stored.Type, stored.Payload.ToArray(), id, cancellationToken, $"{id}/retry-{Guid.NewGuid():N}")
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmqpException or ServiceBusRequestException or TimeoutException or OperationCanceledException)
        {
            // Not sent: put back the state it had.
            var job = details.Job;
            var kind = job.State switch { JobState.DeadLettered => JobEventKind.DeadLettered, JobState.Failed => JobEventKind.Failed, _ => JobEventKind.Cancelled };
            _store.Append(new JobEvent(kind, id, _lifecycle.Now)
                { Type = job.Type, Queue = job.Queue, Attempt = job.Attempts, ErrorType = job.Error?.Type, ErrorMessage = job.Error?.Message });
            if (ex is OperationCanceledException)
                throw;
            return BrokerFailed(stored.Queue, ex);
        }
        await _store.FlushAsync(cancellationToken).ConfigureAwait(false);
        return Results.Accepted($"{request.PathBase}/jobs/{Uri.EscapeDataString(id)}", new { jobId = id, queue = stored.Queue, status = "queued" });
    }

    public async Task<IResult> CancelAsync(string id, CancellationToken cancellationToken)
    {
        if (_store is null)
            return NoStore();
        var details = await _store.GetJobAsync(id, cancellationToken).ConfigureAwait(false);
        if (details is null)
            return NotFound(id);
        if (details.Job.State.IsFinished())
            return Problem(StatusCodes.Status409Conflict, "Already finished", $"Job '{id}' is {details.Job.State}.");
        _store.Append(new JobEvent(JobEventKind.Cancelled, id, _lifecycle.Now) { Type = details.Job.Type, Queue = details.Job.Queue });
        await _store.FlushAsync(cancellationToken).ConfigureAwait(false);
        // A queued job is completed unrun when a worker receives it; a running attempt finishes (its handler is not interrupted).
        return Results.Ok(new { jobId = id, state = nameof(JobState.Cancelled), wasRunning = details.Job.State == JobState.Running });
    }

    public async Task<IResult> QueuesAsync(CancellationToken cancellationToken)
    {
        var queues = new SortedDictionary<string, object>(StringComparer.Ordinal);
        var reachable = false;
        foreach (var queue in JobQueues())
        {
            try
            {
                var status = await _administration.GetQueueStatusAsync(queue, cancellationToken).ConfigureAwait(false);
                queues[queue] = new Dictionary<string, long>
                {
                    ["active_messages"] = status.ActiveMessages,
                    ["dead_letter_messages"] = status.DeadLetterMessages,
                    ["scheduled_messages"] = status.ScheduledMessages,
                };
                reachable = true;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidDataException or JsonException
                or System.Xml.XmlException or KeyNotFoundException)
            {
                _logger.LogWarning(ex, "Reading the counts of {Queue} failed.", queue);
                queues[queue] = new Dictionary<string, string> { ["error"] = ex.Message };
            }
        }
        var local = _store is null ? 0 : (await _store.CountJobsAsync(null, cancellationToken).ConfigureAwait(false)).GetValueOrDefault(JobState.QueuedLocally);
        return Results.Json(new Dictionary<string, object>
        {
            ["service_bus_enabled"] = reachable,
            ["queues"] = queues,
            ["fallback_mode"] = local > 0,
            ["queued_locally"] = local,
        });
    }

    public async Task<IResult> ReplayAsync(string name, int? max, CancellationToken cancellationToken)
    {
        string? queue = null;
        foreach (var q in JobQueues())
        {
            if (string.Equals(q, name, StringComparison.OrdinalIgnoreCase))
                queue = q;
        }
        if (queue is null)
            return Problem(StatusCodes.Status404NotFound, "Not found", $"'{name}' is not a job queue of this application.");
        if (max is < 1 || max > _options.MaxReplay)
            return Invalid("max", $"max {max} is out of range.", $"1 to {_options.MaxReplay}");
        try
        {
            var replayed = await _administration.ReplayDeadLettersAsync(queue, max ?? _options.MaxReplay, cancellationToken).ConfigureAwait(false);
            if (_store is not null)
                await _store.FlushAsync(cancellationToken).ConfigureAwait(false);
            return Results.Ok(new { queue, replayed = replayed.Count, jobs = replayed });
        }
        catch (Exception ex) when (ex is AmqpException or ServiceBusRequestException or TimeoutException)
        {
            return BrokerFailed(queue, ex);
        }
    }

    public async Task<IResult> HealthAsync(CancellationToken cancellationToken)
    {
        string broker;
        try
        {
            await _connection.ConnectAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            broker = "connected";
        }
        catch (TimeoutException)
        {
            broker = "unreachable";
        }
        string store;
        long local = 0;
        if (_store is null)
        {
            store = "none";
        }
        else
        {
            try
            {
                local = (await _store.CountJobsAsync(null, cancellationToken).ConfigureAwait(false)).GetValueOrDefault(JobState.QueuedLocally);
                store = "ok";
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "The job store's health check failed.");
                store = "failing";
            }
        }
        // With a store, an unreachable broker is degraded, not down: submits are kept and forwarded later.
        var healthy = store != "failing" && (broker == "connected" || store == "ok");
        var status = !healthy ? "Unhealthy" : broker == "connected" ? "Healthy" : "Degraded";
        return Results.Json(new { status, broker, store, queuedLocally = local },
            statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private IEnumerable<string> JobQueues()
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var job in _jobs.AllJobs)
        {
            if (seen.Add(job.Queue))
                yield return job.Queue;
        }
    }

    /// <summary>Deserializes a payload strictly and serializes it again (the canonical form the worker reads).</summary>
    private bool TryReadPayload(byte[] json, Type payloadType, string at, out byte[] payload, out IResult problem)
    {
        payload = [];
        problem = Results.Empty;
        object? value;
        try
        {
            value = JsonSerializer.Deserialize(json, payloadType, _strict);
        }
        catch (JsonException ex)
        {
            problem = Invalid(PropertyOf(ex, at), ex.Message);
            return false;
        }
        if (value is null)
        {
            problem = Invalid("$" + at, "The payload is null.");
            return false;
        }
        payload = JsonSerializer.SerializeToUtf8Bytes(value, payloadType, _jobs.SerializerOptions);
        return true;
    }

    /// <summary>The JSON path at fault: the exception's path, or for a missing required member the member's name.</summary>
    private static string PropertyOf(JsonException ex, string at)
    {
        var path = ex.Path ?? "$";
        if (path == "$" && MissingMember().Match(ex.Message) is { Success: true } match)
            path = "$." + match.Groups[1].Value;
        return "$" + at + path[1..];
    }

    [GeneratedRegex("missing required properties including: '([^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex MissingMember();

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static object Receipt(JobReceipt receipt) =>
        new { jobId = receipt.JobId, queue = receipt.Queue, status = receipt.QueuedLocally ? "queuedLocally" : "queued" };

    private IResult BrokerFailed(string queue, Exception ex)
    {
        _logger.LogWarning(ex, "The broker refused a request for {Queue}.", queue);
        var detail = ex is AmqpException amqp ? $"{amqp.Error?.Condition}: {amqp.Error?.Description}" : ex.Message;
        return Problem(StatusCodes.Status502BadGateway, "Broker error", $"The broker refused the request for '{queue}': {detail}");
    }

    private static IResult NoStore() => Problem(StatusCodes.Status501NotImplemented, "No job store",
        "Job status needs a store: call UseSqliteStore() or UsePostgresStore() in AddFerryJobs.");

    private static IResult NotFound(string id) => Problem(StatusCodes.Status404NotFound, "Not found", $"No job '{id}'.");

    private IResult UnknownType(string type) => Problem(StatusCodes.Status404NotFound, "Unknown job type",
        $"No job type '{type}'. Known: {string.Join(", ", _jobs.AllJobs.Select(j => j.JobType).Order(StringComparer.Ordinal))}.");

    private static IResult Invalid(string property, string detail, string? allowed = null)
    {
        var extensions = new Dictionary<string, object?> { ["property"] = property };
        if (allowed is not null)
            extensions["allowed"] = allowed;
        return Results.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", extensions: extensions);
    }

    private static IResult Problem(int status, string title, string detail) => Results.Problem(detail: detail, statusCode: status, title: title);
}
