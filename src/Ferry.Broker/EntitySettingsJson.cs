using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ferry.Broker;

/// <summary>How entity settings are persisted in <see cref="Storage.StoredEntity.Settings"/>: JSON, versioned.</summary>
internal static class EntitySettingsJson
{
    internal sealed record Envelope(int Version, string Name, EntityOrigin Origin, QueueSettings Queue);

    private static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize(QueueSettings settings, EntityOrigin origin, string name) =>
        JsonSerializer.Serialize(new Envelope(1, name, origin, settings), Options);

    public static Envelope Deserialize(string json) =>
        JsonSerializer.Deserialize<Envelope>(json, Options) ?? throw new JsonException("Entity settings are null.");
}
