namespace Ferry.Broker.Filters;

/// <summary>Keywords, matched case-insensitively. The ones before <see cref="Set"/> are reserved: no bare property may be named so.</summary>
internal enum Keyword : byte
{
    None,
    And,
    Or,
    Not,
    Is,
    Null,
    In,
    Like,
    Escape,
    Exists,
    True,
    False,

    /// <summary>Starts an action statement; not reserved.</summary>
    Set,

    /// <summary>Starts an action statement; not reserved.</summary>
    Remove,
}
