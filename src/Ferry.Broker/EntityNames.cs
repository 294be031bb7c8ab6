namespace Ferry.Broker;

/// <summary>Entity name rules, as Azure Service Bus applies them, and the paths of sub-queues.</summary>
public static class EntityNames
{
    /// <summary>The suffix that addresses an entity's dead-letter queue.</summary>
    public const string DeadLetterSuffix = "/$DeadLetterQueue";

    /// <summary>Longest queue or topic name Azure allows.</summary>
    public const int MaxNameLength = 260;

    /// <summary>
    /// Returns null when <paramref name="name"/> is a valid queue or topic name, else why not: 1–260 characters of
    /// letters, digits, '.', '-', '_' and '/', starting and ending with a letter or digit, no empty path segment.
    /// </summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return "the name is empty.";
        if (name.Length > MaxNameLength)
            return $"the name is {name.Length} characters long; at most {MaxNameLength} are allowed.";
        if (!char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]))
            return "the name must start and end with a letter or a digit.";
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')
                continue;
            if (c == '/')
            {
                if (name[i - 1] == '/')
                    return "the name has an empty path segment ('//').";
                continue;
            }
            return $"the character '{c}' at position {i} is not allowed; use letters, digits, '.', '-', '_' and '/'.";
        }
        return null;
    }

    /// <summary>The store key of an entity path: Service Bus names are case-insensitive.</summary>
    public static string Key(string path) => path.ToLowerInvariant();
}
