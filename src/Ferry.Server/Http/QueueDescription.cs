using System.Text.Json.Serialization;
using System.Xml;
using Ferry.Broker;

namespace Ferry.Server.Http;

/// <summary>
/// A queue as the admin API shows it: its settings under the Config.json property names (so the object can be sent
/// back to <c>PUT /api/queues/{name}</c> unchanged), the durations again in seconds, and its runtime counts.
/// </summary>
internal sealed record QueueDescription(
    string Name,
    string Type,
    EntityStatus Status,
    EntityOrigin Origin,
    Dictionary<string, object?> Properties,
    Dictionary<string, double> DurationsInSeconds,
    QueueCounts Counts,
    long SizeInBytes,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset AccessedAt)
{
    /// <summary>Receiver links (and other receivers) registered on the entity and its dead-letter queue now.</summary>
    public int Receivers { get; init; }

    /// <summary>Sender links attached to the entity now (0 for a subscription: senders attach to its topic).</summary>
    public int Senders { get; init; }

    /// <summary>For a subscription: its topic (its name is then <c>topic/Subscriptions/name</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Topic { get; init; }

    /// <summary>For a subscription: the names of its rules.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Rules { get; init; }

    public static QueueDescription OfSubscription(TopicEntity topic, QueueEntity subscription) =>
        Of(subscription, "subscription") with { Topic = topic.Name, Rules = subscription.Rules.Select(r => r.Name).ToList() };

    public static QueueDescription Of(QueueEntity queue, string type = "queue")
    {
        var s = queue.Settings;
        var runtime = queue.GetRuntimeProperties();
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["LockDuration"] = Iso(s.LockDuration),
            ["MaxDeliveryCount"] = s.MaxDeliveryCount,
            ["DefaultMessageTimeToLive"] = Iso(s.DefaultMessageTimeToLive),
            ["DeadLetteringOnMessageExpiration"] = s.DeadLetteringOnMessageExpiration,
            ["RequiresDuplicateDetection"] = s.RequiresDuplicateDetection,
            ["DuplicateDetectionHistoryTimeWindow"] = Iso(s.DuplicateDetectionHistoryTimeWindow),
            ["MaxSizeInMegabytes"] = s.MaxSizeInMegabytes,
            ["MaxMessageSizeInKilobytes"] = s.MaxMessageSizeInKilobytes,
            ["RequiresSession"] = s.RequiresSession,
            ["ForwardTo"] = s.ForwardTo,
            ["ForwardDeadLetteredMessagesTo"] = s.ForwardDeadLetteredMessagesTo,
            ["Status"] = s.Status.ToString(),
            ["UserMetadata"] = s.UserMetadata,
        };
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["LockDuration"] = s.LockDuration.TotalSeconds,
            ["DefaultMessageTimeToLive"] = s.DefaultMessageTimeToLive.TotalSeconds,
            ["DuplicateDetectionHistoryTimeWindow"] = s.DuplicateDetectionHistoryTimeWindow.TotalSeconds,
        };
        return new QueueDescription(queue.Name, type, s.Status, queue.Origin, properties, seconds, QueueCounts.Of(runtime), runtime.SizeInBytes,
            runtime.CreatedAt, runtime.UpdatedAt, runtime.AccessedAt)
        {
            Receivers = queue.ReceiverCount,
            Senders = queue.SenderCount,
        };
    }

    /// <summary>ISO 8601, as Azure writes durations; unlimited (<see cref="TimeSpan.MaxValue"/>) is P10675199DT2H48M5.4775807S.</summary>
    public static string Iso(TimeSpan value) => XmlConvert.ToString(value);
}
