namespace Ferry.Server.Atom;

/// <summary>
/// A parsed management path. The shapes, as the administration clients build them (names of queues and topics may
/// hold '/', subscription and rule names may not, so the suffixes are matched from the end):
/// <code>
/// $namespaceinfo
/// $Resources/Queues                          $Resources/Topics
/// {entity}                                   (queue or topic)
/// {topic}/Subscriptions[/]                   {topic}/Subscriptions/{subscription}
/// {topic}/Subscriptions/{subscription}/Rules[/]
/// {topic}/Subscriptions/{subscription}/Rules/{rule}
/// </code>
/// Keywords match case-insensitively, as entity names do.
/// </summary>
internal readonly record struct AtomPath(AtomResource Resource, string Entity = "", string Subscription = "", string Rule = "")
{
    private const string Subscriptions = "Subscriptions";
    private const string Rules = "Rules";

    /// <param name="path">The request path, percent-decoded, with its leading '/'.</param>
    /// <exception cref="AtomException">404 for an empty path or an unknown <c>$</c> resource.</exception>
    public static AtomPath Parse(string path)
    {
        var trimmed = path.Trim('/');
        if (trimmed.Length == 0)
            throw AtomException.NotFound("The request names no entity; use /{queue}, /{topic}, /{topic}/Subscriptions/{subscription}, $Resources/Queues or $namespaceinfo.");
        if (Is(trimmed, "$namespaceinfo"))
            return new AtomPath(AtomResource.NamespaceInfo);
        if (Is(trimmed, "$Resources/Queues"))
            return new AtomPath(AtomResource.QueueList);
        if (Is(trimmed, "$Resources/Topics"))
            return new AtomPath(AtomResource.TopicList);
        if (trimmed.StartsWith('$'))
            throw AtomException.NotFound($"The management resource '{trimmed}' is not known; Ferry serves $namespaceinfo, $Resources/Queues and $Resources/Topics.");

        var segments = trimmed.Split('/');
        var n = segments.Length;
        if (n >= 5 && Is(segments[n - 4], Subscriptions) && Is(segments[n - 2], Rules))
            return new AtomPath(AtomResource.Rule, Join(segments, n - 4), segments[n - 3], segments[n - 1]);
        if (n >= 4 && Is(segments[n - 3], Subscriptions) && Is(segments[n - 1], Rules))
            return new AtomPath(AtomResource.RuleList, Join(segments, n - 3), segments[n - 2]);
        if (n >= 3 && Is(segments[n - 2], Subscriptions))
            return new AtomPath(AtomResource.Subscription, Join(segments, n - 2), segments[n - 1]);
        if (n >= 2 && Is(segments[n - 1], Subscriptions))
            return new AtomPath(AtomResource.SubscriptionList, Join(segments, n - 1));
        return new AtomPath(AtomResource.Entity, trimmed);
    }

    /// <summary>The path as the clients write it (without the leading '/'), for ids and links.</summary>
    public string ToUrlPath() => Resource switch
    {
        AtomResource.NamespaceInfo => "$namespaceinfo",
        AtomResource.QueueList => "$Resources/Queues",
        AtomResource.TopicList => "$Resources/Topics",
        AtomResource.Entity => Entity,
        AtomResource.SubscriptionList => $"{Entity}/Subscriptions/",
        AtomResource.Subscription => SubscriptionUrl(Entity, Subscription),
        AtomResource.RuleList => $"{SubscriptionUrl(Entity, Subscription)}/Rules/",
        _ => RuleUrl(Entity, Subscription, Rule),
    };

    public static string SubscriptionUrl(string topic, string subscription) => $"{topic}/Subscriptions/{EscapeSegment(subscription)}";

    public static string RuleUrl(string topic, string subscription, string rule) =>
        $"{SubscriptionUrl(topic, subscription)}/Rules/{EscapeSegment(rule)}";

    /// <summary>
    /// Percent-encodes what may not stand in a URL path segment, and nothing more: <c>$Default</c> stays as it is,
    /// because the clients take names from the id's path as written.
    /// </summary>
    private static string EscapeSegment(string segment)
    {
        var builder = new System.Text.StringBuilder(segment.Length);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in segment.EnumerateRunes())
        {
            if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || "-._~!$&'()*+,;=:@".Contains((char)rune.Value, StringComparison.Ordinal)))
            {
                builder.Append((char)rune.Value);
                continue;
            }
            var length = rune.EncodeToUtf8(bytes);
            for (var i = 0; i < length; i++)
                builder.Append('%').Append(bytes[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    private static bool Is(string value, string keyword) => string.Equals(value, keyword, StringComparison.OrdinalIgnoreCase);

    private static string Join(string[] segments, int count) => string.Join('/', segments, 0, count);
}
