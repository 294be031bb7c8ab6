using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;
using Amqp;
using Amqp.Framing;
using Ferry.Jobs.Store;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

/// <summary>
/// Queue counts and dead-letter replay for the job queues. Counts come over HTTP, because AMQP's <c>$management</c> has
/// no count operation: on Ferry from its JSON admin API (<c>GET /api/queues/{name}/status</c>), elsewhere (Azure) from
/// the Atom management API (<c>GET /{queue}?api-version=2021-05</c>, its <c>CountDetails</c>). Thread-safe.
/// </summary>
internal sealed class JobAdministration(AmqpServiceBusConnection connection, JobClient client, JobLifecycle lifecycle, ILogger<JobAdministration> logger)
    : IDisposable
{
    private static readonly TimeSpan FirstMessageWait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan NextMessageWait = TimeSpan.FromMilliseconds(250);
    private static readonly string[] DeadLetterProperties = ["DeadLetterReason", "DeadLetterErrorDescription", JobMessages.AttemptsProperty];

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };

    /// <summary>
    /// The HTTP(S) base address of the broker's management APIs. Default: <c>http://{host}:5300</c> for a connection
    /// string with <c>UseDevelopmentEmulator=true</c> (Ferry's default HTTP port), else <c>https://{host}</c> (Azure).
    /// </summary>
    public Uri ManagementEndpoint { get; set; } = DefaultManagementEndpoint(connection.Endpoint);

    /// <summary>Null (default): Ferry's JSON admin API on Ferry, the Atom API elsewhere. False forces the Atom API (tests use it against Ferry).</summary>
    internal bool? UseFerryAdminApi { get; set; }

    public static Uri DefaultManagementEndpoint(ServiceBusEndpoint endpoint) => endpoint.UseDevelopmentEmulator
        ? new Uri($"http://{endpoint.Host}:5300/")
        : new Uri($"https://{endpoint.Host}/");

    public void Dispose() => _http.Dispose();

    /// <exception cref="HttpRequestException">The management API refused or failed (the status code is on the exception).</exception>
    public async Task<QueueStatus> GetQueueStatusAsync(string queue, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        await connection.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var escaped = Uri.EscapeDataString(queue);
        var ferry = UseFerryAdminApi ?? connection.IsFerry;
        using var request = new HttpRequestMessage(HttpMethod.Get, ferry
            ? new Uri(ManagementEndpoint, $"api/queues/{escaped}/status")
            : new Uri(ManagementEndpoint, $"{escaped}?api-version=2021-05"));
        var audience = ferry ? connection.Endpoint.Audience(queue) : new Uri(ManagementEndpoint, escaped).ToString();
        var endpoint = connection.Endpoint;
        request.Headers.Authorization = new AuthenticationHeaderValue("SharedAccessSignature",
            SharedAccessSignature.Create(audience, endpoint.SharedAccessKeyName, endpoint.SharedAccessKey, lifecycle.Now.AddMinutes(10))
                ["SharedAccessSignature ".Length..]);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"{request.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        }
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
            return ferry ? await ReadFerryAsync(queue, stream, cancellationToken).ConfigureAwait(false) : await ReadAtomAsync(queue, stream, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<QueueStatus> ReadFerryAsync(string queue, Stream stream, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        return new QueueStatus(queue, root.GetProperty("active_messages").GetInt64(), root.GetProperty("dead_letter_messages").GetInt64(),
            root.GetProperty("scheduled_messages").GetInt64());
    }

    /// <summary>Reads the QueueDescription's CountDetails (namespace d2p1 on Azure): Active, DeadLetter and Scheduled counts.</summary>
    private static async Task<QueueStatus> ReadAtomAsync(string queue, Stream stream, CancellationToken cancellationToken)
    {
        var document = await XDocument.LoadAsync(stream, LoadOptions.None, cancellationToken).ConfigureAwait(false);
        var counts = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "CountDetails")
            ?? throw new InvalidDataException($"The management API's answer for '{queue}' has no CountDetails.");
        long Count(string name) =>
            long.Parse(counts.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "0", CultureInfo.InvariantCulture);
        return new QueueStatus(queue, Count("ActiveMessageCount"), Count("DeadLetterMessageCount"), Count("ScheduledMessageCount"));
    }

    /// <summary>
    /// Moves up to <paramref name="max"/> messages from the queue's dead-letter queue back to the queue: each is sent as a
    /// new message (same body, properties and job id; a new MessageId so duplicate detection does not drop it; without the
    /// dead-letter reason and carried attempts, so its attempts start again at 1), and only then completed in the
    /// dead-letter queue. A crash in between leaves both: the job runs again, none is lost. Returns the replayed job ids.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReplayDeadLettersAsync(string queue, int max, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var receiver = await connection.CreateReceiverAsync($"{queue}/$DeadLetterQueue", cancellationToken).ConfigureAwait(false);
        var replayed = new List<string>();
        try
        {
            receiver.SetCredit(max, autoRestore: false);
            while (replayed.Count < max)
            {
                var message = await receiver.ReceiveAsync(replayed.Count == 0 ? FirstMessageWait : NextMessageWait).ConfigureAwait(false);
                if (message is null)
                    break;
                var properties = JobMessages.ApplicationProperties(message);
                var jobId = properties.TryGetValue(JobMessages.JobIdProperty, out var id) && id is string s ? s : message.Properties?.MessageId ?? "";
                var body = JobMessages.Body(message);
                var jobType = message.Properties?.Subject ?? "";
                var copy = JobMessages.Create(body, jobId, jobType, $"{jobId}/replay-{Guid.NewGuid():N}");
                foreach (var (key, value) in properties)
                {
                    if (Array.IndexOf(DeadLetterProperties, key) < 0)
                        copy.ApplicationProperties[key] = value;
                }
                // Recorded before the send: a worker may take the copy and record Running before the send returns here.
                if (lifecycle.IsEnabled)
                    lifecycle.Publish(new JobEvent(JobEventKind.Requeued, jobId, lifecycle.Now) { Type = jobType, Queue = queue });
                try
                {
                    await client.SendMessageAsync(queue, copy, cancellationToken).ConfigureAwait(false);
                }
                catch when (lifecycle.IsEnabled)
                {
                    lifecycle.Publish(new JobEvent(JobEventKind.DeadLettered, jobId, lifecycle.Now)
                    {
                        Type = jobType, Queue = queue, ErrorType = properties.GetValueOrDefault("DeadLetterReason") as string ?? "DeadLettered",
                        ErrorMessage = properties.GetValueOrDefault("DeadLetterErrorDescription") as string,
                    });
                    throw;
                }
                receiver.Accept(message);
                replayed.Add(jobId);
                logger.LogInformation("Replayed dead-lettered job {JobId} to {Queue}.", jobId, queue);
            }
        }
        finally
        {
            await AmqpClose.QuietlyAsync(receiver.Session).ConfigureAwait(false);
        }
        return replayed;
    }
}
