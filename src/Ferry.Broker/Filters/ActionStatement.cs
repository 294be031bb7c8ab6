namespace Ferry.Broker.Filters;

/// <summary>One compiled SET (with a value) or REMOVE (without) of an action.</summary>
internal sealed class ActionStatement(PropertyTarget target, SqlNode? value)
{
    public PropertyTarget Target { get; } = target;

    /// <summary>The expression to SET; null for REMOVE.</summary>
    public SqlNode? Value { get; } = value;

    /// <summary>The .NET value a system property takes from <paramref name="value"/>, or an error naming what it needs.</summary>
    public static object? ToSystemValue(PropertyTarget target, in SqlValue value, int position)
    {
        var property = target.System;
        if (SystemProperties.IsString(property))
        {
            return value.Type switch
            {
                SqlType.Null => null,
                SqlType.String => value.AsString,
                _ => throw Mismatch(target, "String", value, position),
            };
        }
        if (property == SystemProperty.ScheduledEnqueueTimeUtc)
        {
            return value.Type switch
            {
                SqlType.Null => null,
                SqlType.DateTime or SqlType.DateTimeOffset => value.ToDateTimeOffset(),
                _ => throw Mismatch(target, "DateTime", value, position),
            };
        }
        return value.Type == SqlType.TimeSpan ? new TimeSpan(value.Ticks) : throw Mismatch(target, "TimeSpan", value, position);
    }

    /// <summary>
    /// The value SET stores in an application property. Azure converts to the existing property's type when it can;
    /// Ferry does so for numbers when the value fits that type exactly (an Int32 property stays Int32 after
    /// <c>SET quantity = quantity / 2</c>), and otherwise stores the expression's own type.
    /// </summary>
    public static object? ToUserValue(object? existing, in SqlValue value)
    {
        var result = value.ToObject();
        if (existing is null || result is null || !value.IsNumeric)
            return result;
        if (value.IsIntegral)
        {
            Int128 n = value.Type == SqlType.UInt64 ? value.ToUInt64() : value.ToInt64();
            return existing switch
            {
                int when n >= int.MinValue && n <= int.MaxValue => (int)n,
                long when n >= long.MinValue && n <= long.MaxValue => (long)n,
                short when n >= short.MinValue && n <= short.MaxValue => (short)n,
                ushort when n >= ushort.MinValue && n <= ushort.MaxValue => (ushort)n,
                byte when n >= byte.MinValue && n <= byte.MaxValue => (byte)n,
                sbyte when n >= sbyte.MinValue && n <= sbyte.MaxValue => (sbyte)n,
                uint when n >= uint.MinValue && n <= uint.MaxValue => (uint)n,
                ulong when n >= ulong.MinValue && n <= ulong.MaxValue => (ulong)n,
                double => value.ToDouble(),
                float => value.ToSingle(),
                decimal => value.ToDecimal(),
                _ => result,
            };
        }
        return existing switch
        {
            double when value.Type == SqlType.Single => value.ToDouble(),
            _ => result,
        };
    }

    private static FilterEvaluationException Mismatch(PropertyTarget target, string needed, in SqlValue value, int position) =>
        new($"'{target.Display}' needs a {needed} value, found {value.Described}", position);
}
