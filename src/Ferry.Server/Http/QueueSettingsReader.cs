using System.Globalization;
using System.Text.Json;
using System.Xml;
using Ferry.Broker;

namespace Ferry.Server.Http;

/// <summary>
/// Reads queue settings from admin API JSON, under the property names of the emulator's Config.json
/// (<c>LockDuration</c>, <c>MaxDeliveryCount</c>, …; matched case-insensitively). Durations are ISO 8601 strings
/// (<c>PT1M</c>), <c>hh:mm:ss</c> strings or numbers of seconds. Every problem names the property and what it allows.
/// </summary>
internal static class QueueSettingsReader
{
    public static readonly string[] PropertyNames =
    [
        "LockDuration", "MaxDeliveryCount", "DefaultMessageTimeToLive", "DeadLetteringOnMessageExpiration", "RequiresDuplicateDetection",
        "DuplicateDetectionHistoryTimeWindow", "MaxSizeInMegabytes", "MaxMessageSizeInKilobytes", "RequiresSession", "ForwardTo",
        "ForwardDeadLetteredMessagesTo", "Status", "UserMetadata", "EnablePartitioning", "EnableBatchedOperations", "AutoDeleteOnIdle",
    ];

    private const string DurationForm = "an ISO 8601 duration (PT30S, PT5M, P14D), hh:mm:ss, or a number of seconds";

    /// <summary>What each setting allows, for 400 answers.</summary>
    public static string Allowed(string property) => property switch
    {
        "LockDuration" => "PT5S to PT5M",
        "AutoDeleteOnIdle" => "PT5M or more",
        "MaxDeliveryCount" => "1 to 2147483647",
        "DefaultMessageTimeToLive" => "a positive duration",
        "DuplicateDetectionHistoryTimeWindow" => "PT20S to P7D",
        "MaxSizeInMegabytes" => "1 to 81920",
        "MaxMessageSizeInKilobytes" => $"1 to {QueueSettings.MaxMessageSizeLimitInKilobytes}",
        "Status" => "Active, Disabled, SendDisabled, ReceiveDisabled",
        "UserMetadata" => "at most 1024 characters",
        "ForwardTo" or "ForwardDeadLetteredMessagesTo" => "an entity name: 1 to 260 letters, digits, '.', '-', '_' and '/'",
        "RequiresSession" => "the value the queue was created with (delete and re-create the queue to change it)",
        _ => string.Join(", ", PropertyNames),
    };

    /// <summary>Applies the given properties over <paramref name="settings"/> and validates the result.</summary>
    /// <exception cref="AdminInputException">An unknown property, a value of the wrong type, or a value out of range.</exception>
    public static QueueSettings Apply(JsonElement properties, QueueSettings settings, string path = "properties")
    {
        if (properties.ValueKind != JsonValueKind.Object)
            throw new AdminInputException(path, $"'{path}' must be an object of queue settings, found {properties.ValueKind}.", Allowed(""));
        foreach (var property in properties.EnumerateObject())
        {
            var name = Array.Find(PropertyNames, n => string.Equals(n, property.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw new AdminInputException(property.Name, $"Unknown queue property '{property.Name}'.", Allowed(""));
            settings = ApplyOne(name, property.Value, settings);
        }
        if (settings.Validate() is { } problem)
            throw new AdminInputException(problem.Property, problem.Message, Allowed(problem.Property));
        return settings;
    }

    private static QueueSettings ApplyOne(string name, JsonElement value, QueueSettings s) => name switch
    {
        "LockDuration" => s with { LockDuration = ReadDuration(name, value) },
        "MaxDeliveryCount" => s with { MaxDeliveryCount = ReadInt(name, value) },
        "DefaultMessageTimeToLive" => s with { DefaultMessageTimeToLive = ReadDuration(name, value) },
        "DeadLetteringOnMessageExpiration" => s with { DeadLetteringOnMessageExpiration = ReadBool(name, value) },
        "RequiresDuplicateDetection" => s with { RequiresDuplicateDetection = ReadBool(name, value) },
        "DuplicateDetectionHistoryTimeWindow" => s with { DuplicateDetectionHistoryTimeWindow = ReadDuration(name, value) },
        "MaxSizeInMegabytes" => s with { MaxSizeInMegabytes = ReadInt(name, value) },
        "MaxMessageSizeInKilobytes" => s with { MaxMessageSizeInKilobytes = ReadInt(name, value) },
        "RequiresSession" => s with { RequiresSession = ReadBool(name, value) },
        "ForwardTo" => s with { ForwardTo = NullIfEmpty(ReadString(name, value)) },
        "ForwardDeadLetteredMessagesTo" => s with { ForwardDeadLetteredMessagesTo = NullIfEmpty(ReadString(name, value)) },
        "Status" => s with { Status = ReadStatus(name, value) },
        "UserMetadata" => s with { UserMetadata = ReadString(name, value) },
        // Accepted for compatibility with Azure's property set; they change nothing on a single node.
        "EnablePartitioning" or "EnableBatchedOperations" => Accepted(ReadBool(name, value), s),
        "AutoDeleteOnIdle" => s with { AutoDeleteOnIdle = ReadDuration(name, value) },
        _ => s,
    };

    private static QueueSettings Accepted<T>(T checkedValue, QueueSettings settings) => settings;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string? ReadString(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null => null,
        _ => throw new AdminInputException(name, $"{name} must be a string, found {Show(value)}.", Allowed(name)),
    };

    private static bool ReadBool(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new AdminInputException(name, $"{name} must be true or false, found {Show(value)}.", "true or false"),
    };

    private static int ReadInt(string name, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw new AdminInputException(name, $"{name} must be a whole number, found {Show(value)}.", Allowed(name));

    private static EntityStatus ReadStatus(string name, JsonElement value)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : null;
        return text is not null && !int.TryParse(text, out _) && Enum.TryParse<EntityStatus>(text, ignoreCase: true, out var status) && Enum.IsDefined(status)
            ? status
            : throw new AdminInputException(name, $"{name} {Show(value)} is not a status.", Allowed(name));
    }

    /// <summary>An ISO 8601 duration, hh:mm:ss, or a number of seconds.</summary>
    /// <exception cref="AdminInputException">None of those.</exception>
    public static TimeSpan ReadDuration(string name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetDouble(out var seconds) && double.IsFinite(seconds) && Math.Abs(seconds) <= TimeSpan.MaxValue.TotalSeconds)
                return seconds >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
            throw new AdminInputException(name, $"{name} {Show(value)} is not a duration in seconds.", DurationForm);
        }
        if (value.ValueKind != JsonValueKind.String)
            throw new AdminInputException(name, $"{name} must be a duration, found {Show(value)}.", DurationForm);
        var text = value.GetString()!;
        try
        {
            if (text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal))
                return XmlConvert.ToTimeSpan(text);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new AdminInputException(name, $"{name} \"{text}\" is not a valid ISO 8601 duration.", DurationForm);
        }
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
            return span;
        throw new AdminInputException(name, $"{name} \"{text}\" is not a duration.", DurationForm);
    }

    private static string Show(JsonElement value)
    {
        var raw = value.GetRawText();
        return raw.Length > 60 ? raw[..57] + "..." : raw;
    }
}
