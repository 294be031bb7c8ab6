using System.Globalization;

namespace Ferry.Broker.Filters;

/// <summary>
/// A SQL value without boxing for the common types: integers, floating point, Booleans, times and time spans live
/// in the struct; strings and the rarer decimal and Guid values are references (the box a property already was).
/// DateTime values are held as UTC ticks: an Unspecified kind is taken as UTC (AMQP timestamps are UTC) and a Local
/// kind is converted.
/// </summary>
internal readonly partial struct SqlValue
{
    public static readonly SqlValue Null = default;
    public static readonly SqlValue True = new(SqlType.Boolean, 1);
    public static readonly SqlValue False = new(SqlType.Boolean, 0);

    private readonly long _integer;
    private readonly double _real;
    private readonly object? _reference;
    private readonly short _offsetMinutes;

    private SqlValue(SqlType type, long integer = 0, double real = 0, object? reference = null, short offsetMinutes = 0)
    {
        Type = type;
        _integer = integer;
        _real = real;
        _reference = reference;
        _offsetMinutes = offsetMinutes;
    }

    public SqlType Type { get; }

    public bool IsNull => Type == SqlType.Null;

    public bool IsNumeric => Type is >= SqlType.Int32 and <= SqlType.Decimal;

    public bool IsIntegral => Type is >= SqlType.Int32 and <= SqlType.UInt64;

    public bool AsBoolean => _integer != 0;

    public string AsString => (string)_reference!;

    public static SqlValue Boolean(bool value) => value ? True : False;

    public static SqlValue Condition(bool? value) => value is bool b ? Boolean(b) : Null;

    public static SqlValue Int32(int value) => new(SqlType.Int32, value);

    public static SqlValue UInt32(uint value) => new(SqlType.UInt32, value);

    public static SqlValue Int64(long value) => new(SqlType.Int64, value);

    public static SqlValue UInt64(ulong value) => new(SqlType.UInt64, unchecked((long)value));

    public static SqlValue Single(float value) => new(SqlType.Single, real: value);

    public static SqlValue Double(double value) => new(SqlType.Double, real: value);

    public static SqlValue Decimal(decimal value) => new(SqlType.Decimal, reference: value);

    public static SqlValue String(string? value) => value is null ? Null : new(SqlType.String, reference: value);

    public static SqlValue Guid(Guid value) => new(SqlType.Guid, reference: value);

    public static SqlValue TimeSpan(TimeSpan value) => new(SqlType.TimeSpan, value.Ticks);

    public static SqlValue DateTime(DateTime value) => new(SqlType.DateTime, UtcTicks(value));

    public static SqlValue DateTime(DateTimeOffset? value) => value is { } v ? new(SqlType.DateTime, v.UtcTicks) : Null;

    public static SqlValue DateTimeOffset(DateTimeOffset value) =>
        new(SqlType.DateTimeOffset, value.UtcTicks, offsetMinutes: (short)value.Offset.TotalMinutes);

    /// <summary>Wraps a property or parameter value; never throws (unsupported types become <see cref="SqlType.Other"/>).</summary>
    public static SqlValue FromObject(object? value) => value switch
    {
        null => Null,
        string s => new(SqlType.String, reference: s),
        bool b => Boolean(b),
        int i => Int32(i),
        long l => Int64(l),
        uint u => UInt32(u),
        ulong u => UInt64(u),
        short s => Int32(s),
        ushort u => Int32(u),
        byte b => Int32(b),
        sbyte b => Int32(b),
        char c => String(c.ToString()),
        double d => Double(d),
        float f => Single(f),
        decimal => new(SqlType.Decimal, reference: value),
        System.Guid => new(SqlType.Guid, reference: value),
        DateTime dt => DateTime(dt),
        DateTimeOffset dto => DateTimeOffset(dto),
        TimeSpan ts => TimeSpan(ts),
        _ => new(SqlType.Other, reference: value),
    };

    /// <summary>Whether <see cref="FromObject"/> maps a value of this type to something SQL can operate on.</summary>
    public static bool IsSupported(object? value) => FromObject(value).Type != SqlType.Other;

    /// <summary>The .NET value: what an action stores in a property.</summary>
    public object? ToObject() => Type switch
    {
        SqlType.Null => null,
        SqlType.Boolean => AsBoolean,
        SqlType.Int32 => (int)_integer,
        SqlType.UInt32 => (uint)_integer,
        SqlType.Int64 => _integer,
        SqlType.UInt64 => unchecked((ulong)_integer),
        SqlType.Single => (float)_real,
        SqlType.Double => _real,
        SqlType.DateTime => new DateTime(_integer, DateTimeKind.Utc),
        SqlType.DateTimeOffset => ToDateTimeOffset(),
        SqlType.TimeSpan => new TimeSpan(_integer),
        _ => _reference,
    };

    public int ToInt32() => (int)_integer;

    public long ToInt64() => _integer;

    public ulong ToUInt64() => unchecked((ulong)_integer);

    public double ToDouble() => Type switch
    {
        SqlType.Single or SqlType.Double => _real,
        SqlType.Decimal => (double)(decimal)_reference!,
        SqlType.UInt64 => unchecked((ulong)_integer),
        _ => _integer,
    };

    public float ToSingle() => Type switch
    {
        SqlType.Single or SqlType.Double => (float)_real,
        SqlType.Decimal => (float)(decimal)_reference!,
        SqlType.UInt64 => unchecked((ulong)_integer),
        _ => _integer,
    };

    public decimal ToDecimal() => Type switch
    {
        SqlType.Decimal => (decimal)_reference!,
        SqlType.Single or SqlType.Double => (decimal)_real,
        SqlType.UInt64 => unchecked((ulong)_integer),
        _ => _integer,
    };

    public long Ticks => _integer;

    public Guid ToGuid() => (Guid)_reference!;

    public DateTimeOffset ToDateTimeOffset() => Type == SqlType.DateTimeOffset
        ? new DateTimeOffset(_integer + (_offsetMinutes * System.TimeSpan.TicksPerMinute), System.TimeSpan.FromMinutes(_offsetMinutes))
        : new DateTimeOffset(_integer, System.TimeSpan.Zero);

    /// <summary>The .NET type name used in error messages: Int64, String, DateTime, …</summary>
    public string TypeName => Type switch
    {
        SqlType.Null => "NULL",
        SqlType.Other => _reference!.GetType().Name,
        _ => Type.ToString(),
    };

    /// <summary>The type with an article, for error messages: <c>an Int64 value</c>, <c>a String value</c>, <c>NULL</c>.</summary>
    public string Described => Type switch
    {
        SqlType.Null => "NULL",
        SqlType.Int32 or SqlType.Int64 or SqlType.UInt32 or SqlType.UInt64 => $"an {TypeName} value",
        _ => $"a {TypeName} value",
    };

    /// <summary>The value as text, for concatenation and error messages (invariant culture).</summary>
    public string ToText() => Type switch
    {
        SqlType.Null => "NULL",
        SqlType.String => AsString,
        SqlType.Double => _real.ToString("R", CultureInfo.InvariantCulture),
        SqlType.Single => ((float)_real).ToString("R", CultureInfo.InvariantCulture),
        SqlType.DateTime => new DateTime(_integer, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture),
        SqlType.DateTimeOffset => ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(ToObject(), CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private static long UtcTicks(DateTime value) => value.Kind == DateTimeKind.Local ? value.ToUniversalTime().Ticks : value.Ticks;
}
