using System.Text.Json;
using Ferry.Broker;

namespace Ferry.Server.Configuration;

/// <summary>The entities a config file declares.</summary>
public sealed class EntityConfig
{
    public static EntityConfig Empty { get; } = new() { NamespaceName = null, Queues = [], Topics = [] };

    /// <summary>The namespace name the file gives (informational).</summary>
    public required string? NamespaceName { get; init; }

    public required IReadOnlyList<(string Name, QueueSettings Settings)> Queues { get; init; }

    /// <summary>Topics as declared, kept verbatim until topics are served.</summary>
    public required IReadOnlyList<(string Name, JsonElement Definition)> Topics { get; init; }
}
