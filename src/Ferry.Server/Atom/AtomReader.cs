using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Ferry.Broker;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Atom;

/// <summary>
/// Reads the body of a PUT — <c>&lt;entry&gt;&lt;content&gt;&lt;XDescription&gt;…</c> — and applies its elements to settings.
/// Elements are matched by local name in any order; values as the clients write them (ISO 8601 durations,
/// <c>true</c>/<c>false</c>, integers, status names). An element that is not part of the description is a 400 naming it;
/// read-only elements a client may echo from a GET (counts, times) and settings Ferry does not act on are accepted and
/// ignored (docs/management-api.md lists them).
/// </summary>
internal static class AtomReader
{
    /// <summary>Largest request body accepted: descriptions are small; a rule with many parameters stays far below.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = MaxBodyBytes,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
    };

    private static readonly HashSet<string> QueueIgnored = new(StringComparer.Ordinal)
    {
        "EnableBatchedOperations", "EnablePartitioning", "EnableExpress", "EntityAvailabilityStatus", "AuthorizationRules",
        "SizeInBytes", "MessageCount", "IsAnonymousAccessible", "CreatedAt", "UpdatedAt", "AccessedAt", "SupportOrdering", "CountDetails",
    };

    private static readonly HashSet<string> TopicIgnored = new(StringComparer.Ordinal)
    {
        "EnableBatchedOperations", "EnablePartitioning", "EnableExpress", "EntityAvailabilityStatus", "AuthorizationRules", "AutoDeleteOnIdle",
        "SizeInBytes", "FilteringMessagesBeforePublishing", "IsAnonymousAccessible", "CreatedAt", "UpdatedAt", "AccessedAt", "CountDetails",
        "SubscriptionCount", "IsExpress",
    };

    private static readonly HashSet<string> SubscriptionIgnored = new(StringComparer.Ordinal)
    {
        "EnableBatchedOperations", "EntityAvailabilityStatus", "MessageCount", "CreatedAt", "UpdatedAt", "AccessedAt", "CountDetails",
    };

    /// <summary>Reads the request body and returns the description element inside <c>entry/content</c>.</summary>
    /// <exception cref="AtomException">400: no body, too large, not XML, not an Atom entry, or another description than expected.</exception>
    public static async Task<XElement> ReadDescriptionAsync(HttpRequest request, IReadOnlyCollection<string> expected, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                throw AtomException.BadRequest($"The request body is larger than {MaxBodyBytes} bytes.");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
            throw AtomException.BadRequest($"The request has no body; expected an Atom entry holding a {string.Join(" or ", expected)}.");
        buffer.Position = 0;
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(buffer, ReaderSettings);
            document = XDocument.Load(reader);
        }
        catch (XmlException ex)
        {
            throw AtomException.BadRequest($"The request body is not well-formed XML: {ex.Message}");
        }
        var root = document.Root!;
        if (root.Name.LocalName != "entry")
            throw AtomException.BadRequest($"The request body's root is <{root.Name.LocalName}>; expected an Atom <entry>.");
        var description = Child(root, "content")?.Elements().FirstOrDefault()
            ?? throw AtomException.BadRequest($"The Atom entry has no <content> holding a {string.Join(" or ", expected)}.");
        if (!expected.Contains(description.Name.LocalName))
            throw AtomException.BadRequest($"The entry holds a {description.Name.LocalName}; expected a {string.Join(" or ", expected)} here.");
        return description;
    }

    /// <summary>Applies a QueueDescription to <paramref name="settings"/> (defaults on create, current settings on update).</summary>
    public static QueueSettings Queue(XElement description, QueueSettings settings)
    {
        foreach (var e in description.Elements())
        {
            var name = e.Name.LocalName;
            settings = name switch
            {
                "LockDuration" => settings with { LockDuration = Duration(e) },
                "MaxSizeInMegabytes" => settings with { MaxSizeInMegabytes = Int(e) },
                "RequiresDuplicateDetection" => settings with { RequiresDuplicateDetection = Bool(e) },
                "RequiresSession" => settings with { RequiresSession = Bool(e) },
                "DefaultMessageTimeToLive" => settings with { DefaultMessageTimeToLive = Duration(e) },
                "DeadLetteringOnMessageExpiration" => settings with { DeadLetteringOnMessageExpiration = Bool(e) },
                "DuplicateDetectionHistoryTimeWindow" => settings with { DuplicateDetectionHistoryTimeWindow = Duration(e) },
                "MaxDeliveryCount" => settings with { MaxDeliveryCount = Int(e) },
                "Status" => settings with { Status = Status(e) },
                "ForwardTo" => settings with { ForwardTo = ForwardTarget(e) },
                "ForwardDeadLetteredMessagesTo" => settings with { ForwardDeadLetteredMessagesTo = ForwardTarget(e) },
                "UserMetadata" => settings with { UserMetadata = Metadata(e) },
                "AutoDeleteOnIdle" => settings with { AutoDeleteOnIdle = Duration(e) },
                "MaxMessageSizeInKilobytes" => settings with { MaxMessageSizeInKilobytes = Int(e) },
                _ when QueueIgnored.Contains(name) => Ignore(e, settings),
                _ => throw Unknown(e, "QueueDescription"),
            };
        }
        return Checked(settings);
    }

    /// <summary>Applies a TopicDescription to <paramref name="settings"/>.</summary>
    public static TopicSettings Topic(XElement description, TopicSettings settings)
    {
        foreach (var e in description.Elements())
        {
            var name = e.Name.LocalName;
            settings = name switch
            {
                "DefaultMessageTimeToLive" => settings with { DefaultMessageTimeToLive = Duration(e) },
                "MaxSizeInMegabytes" => settings with { MaxSizeInMegabytes = Int(e) },
                "RequiresDuplicateDetection" => settings with { RequiresDuplicateDetection = Bool(e) },
                "DuplicateDetectionHistoryTimeWindow" => settings with { DuplicateDetectionHistoryTimeWindow = Duration(e) },
                "Status" => settings with { Status = Status(e) },
                "UserMetadata" => settings with { UserMetadata = Metadata(e) },
                "SupportOrdering" => settings with { SupportOrdering = Bool(e) },
                "MaxMessageSizeInKilobytes" => settings with { MaxMessageSizeInKilobytes = Int(e) },
                _ when TopicIgnored.Contains(name) => Ignore(e, settings),
                _ => throw Unknown(e, "TopicDescription"),
            };
        }
        if (settings.Validate() is { } problem)
            throw AtomException.BadRequest(problem.Message);
        return settings;
    }

    /// <summary>Applies a SubscriptionDescription; returns its DefaultRuleDescription element too (used on create).</summary>
    public static (QueueSettings Settings, XElement? DefaultRule) Subscription(XElement description, QueueSettings settings)
    {
        XElement? defaultRule = null;
        foreach (var e in description.Elements())
        {
            var name = e.Name.LocalName;
            if (name == "DefaultRuleDescription")
            {
                defaultRule = e;
                continue;
            }
            settings = name switch
            {
                "LockDuration" => settings with { LockDuration = Duration(e) },
                "RequiresSession" => settings with { RequiresSession = Bool(e) },
                "DefaultMessageTimeToLive" => settings with { DefaultMessageTimeToLive = Duration(e) },
                "DeadLetteringOnMessageExpiration" => settings with { DeadLetteringOnMessageExpiration = Bool(e) },
                "DeadLetteringOnFilterEvaluationExceptions" => settings with { DeadLetteringOnFilterEvaluationExceptions = Bool(e) },
                "MaxDeliveryCount" => settings with { MaxDeliveryCount = Int(e) },
                "Status" => settings with { Status = Status(e) },
                "ForwardTo" => settings with { ForwardTo = ForwardTarget(e) },
                "ForwardDeadLetteredMessagesTo" => settings with { ForwardDeadLetteredMessagesTo = ForwardTarget(e) },
                "UserMetadata" => settings with { UserMetadata = Metadata(e) },
                "AutoDeleteOnIdle" => settings with { AutoDeleteOnIdle = Duration(e) },
                _ when SubscriptionIgnored.Contains(name) => Ignore(e, settings),
                _ => throw Unknown(e, "SubscriptionDescription"),
            };
        }
        return (Checked(settings), defaultRule);
    }

    private static QueueSettings Checked(QueueSettings settings) =>
        settings.Validate() is { } problem ? throw AtomException.BadRequest(problem.Message) : settings;

    /// <summary>Ignored settings are still checked to be well-formed when they are flags or durations.</summary>
    private static T Ignore<T>(XElement e, T settings)
    {
        switch (e.Name.LocalName)
        {
            case "EnableBatchedOperations" or "EnablePartitioning" or "EnableExpress" or "SupportOrdering":
                Bool(e);
                break;
            case "AutoDeleteOnIdle":
                Duration(e);
                break;
        }
        return settings;
    }

    private static AtomException Unknown(XElement e, string description) =>
        AtomException.BadRequest($"The element '{e.Name.LocalName}' is not part of a {description} (see docs/management-api.md for the elements Ferry reads).");

    private static TimeSpan Duration(XElement e)
    {
        try
        {
            return XmlConvert.ToTimeSpan(e.Value.Trim());
        }
        catch (FormatException)
        {
            throw AtomException.BadRequest($"{e.Name.LocalName} '{e.Value}' is not an ISO 8601 duration such as PT1M or P1DT2H.");
        }
    }

    private static int Int(XElement e) =>
        int.TryParse(e.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw AtomException.BadRequest($"{e.Name.LocalName} '{e.Value}' is not an integer.");

    private static bool Bool(XElement e) => e.Value.Trim() switch
    {
        "true" or "True" or "1" => true,
        "false" or "False" or "0" => false,
        _ => throw AtomException.BadRequest($"{e.Name.LocalName} '{e.Value}' is not true or false."),
    };

    private static EntityStatus Status(XElement e) =>
        Enum.TryParse<EntityStatus>(e.Value.Trim(), ignoreCase: true, out var status) && Enum.IsDefined(status) && !int.TryParse(e.Value, out _)
            ? status
            : throw AtomException.BadRequest($"Status '{e.Value}' is not one of Active, Disabled, SendDisabled, ReceiveDisabled.");

    private static string? Metadata(XElement e) => e.Value.Length == 0 ? null : e.Value;

    /// <summary>
    /// A forwarding target: an entity name, or an absolute address (<c>sb://host[:port]/name</c>, as the clients send it)
    /// whose path is the name. Empty means none.
    /// </summary>
    private static string? ForwardTarget(XElement e)
    {
        var value = e.Value.Trim();
        if (value.Length == 0)
            return null;
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
            return value;
        var slash = value.IndexOf('/', scheme + 3);
        var name = slash < 0 ? string.Empty : value[(slash + 1)..].Trim('/');
        return name.Length > 0 ? name : throw AtomException.BadRequest($"{e.Name.LocalName} '{value}' names no entity.");
    }

    private static XElement? Child(XElement parent, string localName)
    {
        foreach (var element in parent.Elements())
        {
            if (element.Name.LocalName == localName)
                return element;
        }
        return null;
    }
}
