using Ferry.Broker;
using Ferry.Broker.Filters;

namespace Ferry.Server.Configuration;

/// <summary>The entities a config file declares.</summary>
public sealed class EntityConfig
{
    public static EntityConfig Empty { get; } = new() { NamespaceName = null, Queues = [], Topics = [] };

    /// <summary>The namespace name the file gives (informational).</summary>
    public required string? NamespaceName { get; init; }

    public required IReadOnlyList<(string Name, QueueSettings Settings)> Queues { get; init; }

    public required IReadOnlyList<TopicConfig> Topics { get; init; }
}

/// <summary>A topic from the config file, with its subscriptions.</summary>
public sealed record TopicConfig(string Name, TopicSettings Settings, IReadOnlyList<SubscriptionConfig> Subscriptions);

/// <summary>A subscription from the config file, with its rules (none means the <c>$Default</c> rule).</summary>
public sealed record SubscriptionConfig(string Name, QueueSettings Settings, IReadOnlyList<Rule> Rules);
