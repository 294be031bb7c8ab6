using Ferry.Broker;

namespace Ferry.Server.Http;

/// <summary>A topic as <c>GET /api/entities</c> shows it: its settings under the Config.json names and its subscriptions.</summary>
internal sealed record TopicDescription(
    string Name,
    string Type,
    EntityStatus Status,
    EntityOrigin Origin,
    Dictionary<string, object?> Properties,
    Dictionary<string, double> DurationsInSeconds,
    IReadOnlyList<string> Subscriptions,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Sender links attached to the topic now.</summary>
    public int Senders { get; init; }

    public static TopicDescription Of(TopicEntity topic)
    {
        var s = topic.Settings;
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["DefaultMessageTimeToLive"] = QueueDescription.Iso(s.DefaultMessageTimeToLive),
            ["RequiresDuplicateDetection"] = s.RequiresDuplicateDetection,
            ["DuplicateDetectionHistoryTimeWindow"] = QueueDescription.Iso(s.DuplicateDetectionHistoryTimeWindow),
            ["MaxSizeInMegabytes"] = s.MaxSizeInMegabytes,
            ["MaxMessageSizeInKilobytes"] = s.MaxMessageSizeInKilobytes,
            ["SupportOrdering"] = s.SupportOrdering,
            ["Status"] = s.Status.ToString(),
            ["UserMetadata"] = s.UserMetadata,
        };
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["DefaultMessageTimeToLive"] = s.DefaultMessageTimeToLive.TotalSeconds,
            ["DuplicateDetectionHistoryTimeWindow"] = s.DuplicateDetectionHistoryTimeWindow.TotalSeconds,
        };
        var subscriptions = topic.Subscriptions.Select(q => q.Name).Order(StringComparer.Ordinal).ToList();
        return new TopicDescription(topic.Name, "topic", s.Status, topic.Origin, properties, seconds, subscriptions, topic.CreatedAt, topic.UpdatedAt)
        {
            Senders = topic.SenderCount,
        };
    }
}
