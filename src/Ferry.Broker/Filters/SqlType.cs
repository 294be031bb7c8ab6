namespace Ferry.Broker.Filters;

/// <summary>The run-time type of a <see cref="SqlValue"/>. The order of the numeric members is not significant.</summary>
internal enum SqlType : byte
{
    /// <summary>NULL, an absent user property, or an unknown condition.</summary>
    Null,
    Boolean,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Single,
    Double,
    Decimal,
    String,
    Guid,
    DateTime,
    DateTimeOffset,
    TimeSpan,

    /// <summary>A property value of a type SQL can't operate on (binary, list, map, …): it exists, and that is all.</summary>
    Other,
}
