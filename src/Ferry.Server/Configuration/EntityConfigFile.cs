using System.Globalization;
using System.Text.Json;
using System.Xml;
using Ferry.Broker;
using Ferry.Broker.Filters;

namespace Ferry.Server.Configuration;

/// <summary>
/// Reads the Microsoft Service Bus emulator's Config.json format:
/// <c>{"UserConfig":{"Namespaces":[{"Name":…,"Queues":[{"Name":…,"Properties":{…}}],"Topics":[…]}],"Logging":{…}}}</c>.
/// Durations are ISO 8601 (<c>PT1M</c>) or .NET (<c>00:01:00</c>). Every problem is reported with the file, the JSON
/// path, the bad value and what is allowed.
/// </summary>
public static class EntityConfigFile
{
    private static readonly string[] QueueProperties =
    [
        "DeadLetteringOnMessageExpiration", "DefaultMessageTimeToLive", "DuplicateDetectionHistoryTimeWindow", "ForwardDeadLetteredMessagesTo",
        "ForwardTo", "LockDuration", "MaxDeliveryCount", "RequiresDuplicateDetection", "RequiresSession", "MaxSizeInMegabytes",
        "MaxMessageSizeInKilobytes", "Status", "UserMetadata", "EnablePartitioning", "EnableBatchedOperations", "AutoDeleteOnIdle",
    ];

    /// <exception cref="ConfigFileException">The file is missing, is not JSON, or holds a bad value.</exception>
    public static EntityConfig Load(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigFileException($"{file}: cannot read the config file: {ex.Message}", ex);
        }
        return Parse(text, file);
    }

    /// <summary>Parses config text; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="ConfigFileException">Bad JSON or a bad value.</exception>
    public static EntityConfig Parse(string text, string file)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new ConfigFileException($"{file}: not valid JSON at line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}: {ex.Message}", ex);
        }
        using (document)
        {
            var root = document.RootElement;
            Expect(file, "$", root, JsonValueKind.Object);
            if (!root.TryGetProperty("UserConfig", out var userConfig))
                throw ConfigFileException.At(file, "$.UserConfig", "missing; the file must have the emulator's shape {\"UserConfig\":{\"Namespaces\":[…]}}.");
            Expect(file, "$.UserConfig", userConfig, JsonValueKind.Object);
            if (!userConfig.TryGetProperty("Namespaces", out var namespaces))
                return EntityConfig.Empty;
            Expect(file, "$.UserConfig.Namespaces", namespaces, JsonValueKind.Array);
            var count = namespaces.GetArrayLength();
            if (count == 0)
                return EntityConfig.Empty;
            if (count > 1)
                throw ConfigFileException.At(file, "$.UserConfig.Namespaces", $"has {count} namespaces; Ferry serves one namespace per process (allowed: 1).");
            return ParseNamespace(file, "$.UserConfig.Namespaces[0]", namespaces[0]);
        }
    }

    private static EntityConfig ParseNamespace(string file, string path, JsonElement ns)
    {
        Expect(file, path, ns, JsonValueKind.Object);
        string? name = ns.TryGetProperty("Name", out var nameElement) ? ReadString(file, path + ".Name", nameElement) : null;
        var queues = new List<(string, QueueSettings)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (ns.TryGetProperty("Queues", out var queuesElement) && queuesElement.ValueKind != JsonValueKind.Null)
        {
            Expect(file, path + ".Queues", queuesElement, JsonValueKind.Array);
            var index = 0;
            foreach (var queue in queuesElement.EnumerateArray())
            {
                var queuePath = $"{path}.Queues[{index++}]";
                var parsed = ParseQueue(file, queuePath, queue);
                if (!seen.Add(parsed.Name))
                    throw ConfigFileException.At(file, queuePath + ".Name", $"\"{parsed.Name}\" is declared twice (names are case-insensitive).");
                queues.Add(parsed);
            }
        }
        var topics = new List<TopicConfig>();
        if (ns.TryGetProperty("Topics", out var topicsElement) && topicsElement.ValueKind != JsonValueKind.Null)
        {
            Expect(file, path + ".Topics", topicsElement, JsonValueKind.Array);
            var index = 0;
            foreach (var topic in topicsElement.EnumerateArray())
            {
                var topicPath = $"{path}.Topics[{index++}]";
                Expect(file, topicPath, topic, JsonValueKind.Object);
                var topicName = RequiredName(file, topicPath, topic);
                if (!seen.Add(topicName))
                    throw ConfigFileException.At(file, topicPath + ".Name", $"\"{topicName}\" is declared twice (queue and topic names share one namespace).");
                topics.Add(ParseTopic(file, topicPath, topicName, topic));
            }
        }
        return new EntityConfig { NamespaceName = name, Queues = queues, Topics = topics };
    }

    private static readonly string[] TopicProperties =
    [
        "DefaultMessageTimeToLive", "DuplicateDetectionHistoryTimeWindow", "RequiresDuplicateDetection", "MaxSizeInMegabytes",
        "MaxMessageSizeInKilobytes", "SupportOrdering", "Status", "UserMetadata", "EnablePartitioning", "EnableBatchedOperations", "AutoDeleteOnIdle",
    ];

    private static TopicConfig ParseTopic(string file, string path, string name, JsonElement topic)
    {
        var settings = new TopicSettings();
        if (topic.TryGetProperty("Properties", out var properties) && properties.ValueKind != JsonValueKind.Null)
        {
            Expect(file, path + ".Properties", properties, JsonValueKind.Object);
            foreach (var property in properties.EnumerateObject())
            {
                var at = $"{path}.Properties.{property.Name}";
                var v = property.Value;
                settings = property.Name switch
                {
                    "DefaultMessageTimeToLive" => settings with { DefaultMessageTimeToLive = ReadDuration(file, at, v) },
                    "DuplicateDetectionHistoryTimeWindow" => settings with { DuplicateDetectionHistoryTimeWindow = ReadDuration(file, at, v) },
                    "RequiresDuplicateDetection" => settings with { RequiresDuplicateDetection = ReadBool(file, at, v) },
                    "MaxSizeInMegabytes" => settings with { MaxSizeInMegabytes = ReadInt(file, at, v) },
                    "MaxMessageSizeInKilobytes" => settings with { MaxMessageSizeInKilobytes = ReadInt(file, at, v) },
                    "SupportOrdering" => settings with { SupportOrdering = ReadBool(file, at, v) },
                    "Status" => settings with { Status = ReadStatus(file, at, v) },
                    "UserMetadata" => settings with { UserMetadata = ReadString(file, at, v) },
                    "EnablePartitioning" or "EnableBatchedOperations" => Accepted(ReadBool(file, at, v), settings),
                    "AutoDeleteOnIdle" => Accepted(ReadDuration(file, at, v), settings),
                    _ => throw ConfigFileException.At(file, at, $"unknown topic property \"{property.Name}\"; allowed: {string.Join(", ", TopicProperties)}."),
                };
            }
        }
        if (settings.Validate() is { } problem)
            throw ConfigFileException.At(file, $"{path}.Properties.{problem.Property}", problem.Message);
        var subscriptions = new List<SubscriptionConfig>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (topic.TryGetProperty("Subscriptions", out var subsElement) && subsElement.ValueKind != JsonValueKind.Null)
        {
            Expect(file, path + ".Subscriptions", subsElement, JsonValueKind.Array);
            var index = 0;
            foreach (var subscription in subsElement.EnumerateArray())
            {
                var subPath = $"{path}.Subscriptions[{index++}]";
                Expect(file, subPath, subscription, JsonValueKind.Object);
                if (!subscription.TryGetProperty("Name", out var nameElement))
                    throw ConfigFileException.At(file, subPath + ".Name", "missing; every subscription needs a name.");
                var subName = ReadString(file, subPath + ".Name", nameElement);
                if (FerryBroker.ValidateSubscriptionName(subName) is { } nameProblem)
                    throw ConfigFileException.At(file, subPath + ".Name", $"\"{subName}\" is not a valid subscription name: {nameProblem}");
                if (!seen.Add(subName))
                    throw ConfigFileException.At(file, subPath + ".Name", $"\"{subName}\" is declared twice in topic \"{name}\".");
                var subSettings = new QueueSettings();
                if (subscription.TryGetProperty("Properties", out var subProperties) && subProperties.ValueKind != JsonValueKind.Null)
                {
                    Expect(file, subPath + ".Properties", subProperties, JsonValueKind.Object);
                    foreach (var property in subProperties.EnumerateObject())
                    {
                        subSettings = property.Name == "DeadLetteringOnFilterEvaluationExceptions"
                            ? subSettings with { DeadLetteringOnFilterEvaluationExceptions = ReadBool(file, $"{subPath}.Properties.{property.Name}", property.Value) }
                            : ApplyQueueProperty(file, $"{subPath}.Properties.{property.Name}", property.Name, property.Value, subSettings);
                    }
                }
                if (subSettings.Validate() is { } subProblem)
                    throw ConfigFileException.At(file, $"{subPath}.Properties.{subProblem.Property}", subProblem.Message);
                subscriptions.Add(new SubscriptionConfig(subName, subSettings, ParseRules(file, subPath, subscription)));
            }
        }
        return new TopicConfig(name, settings, subscriptions);
    }

    // The emulator's rule shape: {"Name":…, "Properties":{"FilterType":"Sql"|"Correlation", "SqlFilter":{"SqlExpression":…},
    // "CorrelationFilter":{"CorrelationId",…,"Label",…,"Properties":{…}}, "Action":{"SqlExpression":…}}}.
    private static List<Rule> ParseRules(string file, string path, JsonElement subscription)
    {
        var rules = new List<Rule>();
        if (!subscription.TryGetProperty("Rules", out var rulesElement) || rulesElement.ValueKind == JsonValueKind.Null)
            return rules;
        Expect(file, path + ".Rules", rulesElement, JsonValueKind.Array);
        var index = 0;
        foreach (var rule in rulesElement.EnumerateArray())
        {
            var rulePath = $"{path}.Rules[{index++}]";
            Expect(file, rulePath, rule, JsonValueKind.Object);
            if (!rule.TryGetProperty("Name", out var nameElement))
                throw ConfigFileException.At(file, rulePath + ".Name", "missing; every rule needs a name.");
            var ruleName = ReadString(file, rulePath + ".Name", nameElement);
            if (Rule.ValidateName(ruleName) is { } nameProblem)
                throw ConfigFileException.At(file, rulePath + ".Name", $"\"{ruleName}\" is not a valid rule name: {nameProblem}");
            var properties = rule.TryGetProperty("Properties", out var p) ? p : rule;
            var filterType = properties.TryGetProperty("FilterType", out var ft) ? ReadString(file, rulePath + ".Properties.FilterType", ft) : "Sql";
            try
            {
                RuleFilter filter = filterType switch
                {
                    "Sql" => new SqlFilter(properties.TryGetProperty("SqlFilter", out var sql) && sql.TryGetProperty("SqlExpression", out var expr)
                        ? ReadString(file, rulePath + ".Properties.SqlFilter.SqlExpression", expr)
                        : throw ConfigFileException.At(file, rulePath + ".Properties.SqlFilter.SqlExpression", "missing; a Sql rule needs an expression.")),
                    "Correlation" => ReadCorrelation(file, rulePath + ".Properties.CorrelationFilter",
                        properties.TryGetProperty("CorrelationFilter", out var c) ? c : default),
                    _ => throw ConfigFileException.At(file, rulePath + ".Properties.FilterType", $"\"{filterType}\" is not a filter type; allowed: Sql, Correlation."),
                };
                RuleAction? action = properties.TryGetProperty("Action", out var a) && a.ValueKind == JsonValueKind.Object
                    && a.TryGetProperty("SqlExpression", out var actionExpr) && actionExpr.ValueKind == JsonValueKind.String
                    && !string.IsNullOrWhiteSpace(actionExpr.GetString())
                    ? new SqlRuleAction(actionExpr.GetString()!)
                    : null;
                rules.Add(Rule.Create(ruleName, filter, action, DateTimeOffset.UnixEpoch));
            }
            catch (FilterSyntaxException ex)
            {
                throw ConfigFileException.At(file, rulePath + ".Properties", ex.Message);
            }
        }
        return rules;
    }

    private static CorrelationFilter ReadCorrelation(string file, string path, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw ConfigFileException.At(file, path, "missing; a Correlation rule needs a CorrelationFilter object.");
        string? Field(string name) => element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (element.TryGetProperty("Properties", out var props) && props.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in props.EnumerateObject())
            {
                properties[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Number when property.Value.TryGetInt64(out var l) => l,
                    JsonValueKind.Number => property.Value.GetDouble(),
                    JsonValueKind.Null => null,
                    _ => throw ConfigFileException.At(file, $"{path}.Properties.{property.Name}", "expected a string, number, boolean or null."),
                };
            }
        }
        return new CorrelationFilter
        {
            CorrelationId = Field("CorrelationId"),
            MessageId = Field("MessageId"),
            To = Field("To"),
            ReplyTo = Field("ReplyTo"),
            Subject = Field("Label") ?? Field("Subject"),
            SessionId = Field("SessionId"),
            ReplyToSessionId = Field("ReplyToSessionId"),
            ContentType = Field("ContentType"),
            Properties = properties,
        };
    }

    private static (string Name, QueueSettings Settings) ParseQueue(string file, string path, JsonElement queue)
    {
        Expect(file, path, queue, JsonValueKind.Object);
        var name = RequiredName(file, path, queue);
        var settings = new QueueSettings();
        if (queue.TryGetProperty("Properties", out var properties) && properties.ValueKind != JsonValueKind.Null)
        {
            Expect(file, path + ".Properties", properties, JsonValueKind.Object);
            foreach (var property in properties.EnumerateObject())
                settings = ApplyQueueProperty(file, $"{path}.Properties.{property.Name}", property.Name, property.Value, settings);
        }
        if (settings.Validate() is { } problem)
            throw ConfigFileException.At(file, $"{path}.Properties.{problem.Property}", problem.Message);
        return (name, settings);
    }

    private static QueueSettings ApplyQueueProperty(string file, string path, string name, JsonElement value, QueueSettings s) => name switch
    {
        "DeadLetteringOnMessageExpiration" => s with { DeadLetteringOnMessageExpiration = ReadBool(file, path, value) },
        "DefaultMessageTimeToLive" => s with { DefaultMessageTimeToLive = ReadDuration(file, path, value) },
        "DuplicateDetectionHistoryTimeWindow" => s with { DuplicateDetectionHistoryTimeWindow = ReadDuration(file, path, value) },
        "ForwardDeadLetteredMessagesTo" => s with { ForwardDeadLetteredMessagesTo = NullIfEmpty(ReadString(file, path, value)) },
        "ForwardTo" => s with { ForwardTo = NullIfEmpty(ReadString(file, path, value)) },
        "LockDuration" => s with { LockDuration = ReadDuration(file, path, value) },
        "MaxDeliveryCount" => s with { MaxDeliveryCount = ReadInt(file, path, value) },
        "RequiresDuplicateDetection" => s with { RequiresDuplicateDetection = ReadBool(file, path, value) },
        "RequiresSession" => s with { RequiresSession = ReadBool(file, path, value) },
        "MaxSizeInMegabytes" => s with { MaxSizeInMegabytes = ReadInt(file, path, value) },
        "MaxMessageSizeInKilobytes" => s with { MaxMessageSizeInKilobytes = ReadInt(file, path, value) },
        "Status" => s with { Status = ReadStatus(file, path, value) },
        "UserMetadata" => s with { UserMetadata = ReadString(file, path, value) },
        // Accepted for compatibility with Azure's property set; they change nothing on a single node.
        "EnablePartitioning" or "EnableBatchedOperations" => Accepted(ReadBool(file, path, value), s),
        "AutoDeleteOnIdle" => s with { AutoDeleteOnIdle = ReadDuration(file, path, value) },
        _ => throw ConfigFileException.At(file, path, $"unknown queue property \"{name}\"; allowed: {string.Join(", ", QueueProperties)}."),
    };

    private static TSettings Accepted<T, TSettings>(T checkedValue, TSettings settings) => settings;

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static string RequiredName(string file, string path, JsonElement entity)
    {
        if (!entity.TryGetProperty("Name", out var nameElement))
            throw ConfigFileException.At(file, path + ".Name", "missing; every entity needs a name.");
        var name = ReadString(file, path + ".Name", nameElement);
        if (EntityNames.Validate(name) is { } problem)
            throw ConfigFileException.At(file, path + ".Name", $"\"{name}\" is not a valid entity name: {problem}");
        return name;
    }

    private static void Expect(string file, string path, JsonElement element, JsonValueKind kind)
    {
        if (element.ValueKind != kind)
            throw ConfigFileException.At(file, path, $"expected {Describe(kind)}, found {Describe(element.ValueKind)} {Show(element)}.");
    }

    private static string ReadString(string file, string path, JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw ConfigFileException.At(file, path, $"expected a string, found {Show(value)}.");

    private static bool ReadBool(string file, string path, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw ConfigFileException.At(file, path, $"expected true or false, found {Show(value)}."),
    };

    private static int ReadInt(string file, string path, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw ConfigFileException.At(file, path, $"expected a whole number from {int.MinValue} to {int.MaxValue}, found {Show(value)}.");

    private static EntityStatus ReadStatus(string file, string path, JsonElement value)
    {
        var text = ReadString(file, path, value);
        return Enum.TryParse<EntityStatus>(text, ignoreCase: true, out var status) && Enum.IsDefined(status) && !int.TryParse(text, out _)
            ? status
            : throw ConfigFileException.At(file, path, $"\"{text}\" is not a status; allowed: Active, Disabled, SendDisabled, ReceiveDisabled.");
    }

    /// <summary>An ISO 8601 duration (<c>PT1M</c>, <c>P14D</c>) or a .NET TimeSpan (<c>00:01:00</c>).</summary>
    private static TimeSpan ReadDuration(string file, string path, JsonElement value)
    {
        var text = ReadString(file, path, value);
        try
        {
            if (text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal))
                return XmlConvert.ToTimeSpan(text);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw ConfigFileException.At(file, path, $"\"{text}\" is not a valid ISO 8601 duration (for example PT1M, PT30S, P14D).");
        }
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
            return span;
        throw ConfigFileException.At(file, path, $"\"{text}\" is not a duration; use ISO 8601 (PT1M, PT30S, P14D) or hh:mm:ss.");
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Show(JsonElement value)
    {
        var raw = value.GetRawText();
        return raw.Length > 60 ? raw[..57] + "..." : raw;
    }
}
