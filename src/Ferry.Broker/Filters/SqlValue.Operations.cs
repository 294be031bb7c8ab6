namespace Ferry.Broker.Filters;

/// <remarks>
/// Operators follow C#'s binding as Azure documents: binary numeric promotion (int with int is int, with long is long,
/// uint with int is long, anything with double is double, …), ordinal string equality, DateTime − DateTime = TimeSpan.
/// Where C# refuses to compile (ulong with a signed integer, decimal with double) Ferry promotes instead: to decimal,
/// or to ulong when the signed operand is not negative, and to double. Integer arithmetic is checked: overflow and
/// division by zero are evaluation errors. NULL (unknown) in, NULL out.
/// </remarks>
internal readonly partial struct SqlValue
{
    public static string Symbol(ArithmeticOperator op) => op switch
    {
        ArithmeticOperator.Add => "+",
        ArithmeticOperator.Subtract => "-",
        ArithmeticOperator.Multiply => "*",
        ArithmeticOperator.Divide => "/",
        _ => "%",
    };

    public static string Symbol(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Equal => "=",
        ComparisonOperator.NotEqual => "<>",
        ComparisonOperator.Less => "<",
        ComparisonOperator.LessOrEqual => "<=",
        ComparisonOperator.Greater => ">",
        _ => ">=",
    };

    public static SqlValue Arithmetic(ArithmeticOperator op, in SqlValue a, in SqlValue b, int position)
    {
        if (a.IsNull || b.IsNull)
            return Null;
        try
        {
            if (a.IsNumeric && b.IsNumeric)
                return NumericArithmetic(op, a, b);
            if (op == ArithmeticOperator.Add && (a.Type == SqlType.String || b.Type == SqlType.String)
                && a.Type != SqlType.Other && b.Type != SqlType.Other)
                return String(string.Concat(a.ToText(), b.ToText()));
            if (TryTimeArithmetic(op, a, b, out var result))
                return result;
        }
        catch (DivideByZeroException ex)
        {
            throw new FilterEvaluationException($"Division by zero in '{Symbol(op)}'", position, ex);
        }
        catch (OverflowException ex)
        {
            throw new FilterEvaluationException($"Arithmetic overflow in '{Symbol(op)}' on {a.TypeName} and {b.TypeName}", position, ex);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new FilterEvaluationException($"The result of '{Symbol(op)}' is out of the range of {a.TypeName}", position, ex);
        }
        throw new FilterEvaluationException($"Operator '{Symbol(op)}' can't be applied to {a.TypeName} and {b.TypeName}", position);
    }

    public static SqlValue Negate(in SqlValue a, int position)
    {
        try
        {
            switch (a.Type)
            {
                case SqlType.Null:
                    return Null;
                case SqlType.Int32:
                    return Int32(checked(-a.ToInt32()));
                case SqlType.UInt32:
                case SqlType.Int64:
                    return Int64(checked(-a._integer));
                case SqlType.Single:
                    return Single(-(float)a._real);
                case SqlType.Double:
                    return Double(-a._real);
                case SqlType.Decimal:
                    return Decimal(-a.ToDecimal());
                case SqlType.TimeSpan:
                    return TimeSpan(new TimeSpan(a._integer).Negate());
            }
        }
        catch (OverflowException ex)
        {
            throw new FilterEvaluationException($"Arithmetic overflow in unary '-' on {a.TypeName}", position, ex);
        }
        throw new FilterEvaluationException($"Operator '-' can't be applied to {a.TypeName}", position);
    }

    public static SqlValue Plus(in SqlValue a, int position) =>
        a.IsNull || a.IsNumeric || a.Type == SqlType.TimeSpan
            ? a
            : throw new FilterEvaluationException($"Operator '+' can't be applied to {a.TypeName}", position);

    /// <summary>A comparison: TRUE, FALSE, or NULL (unknown) when either side is NULL.</summary>
    public static SqlValue Compare(ComparisonOperator op, in SqlValue a, in SqlValue b, int position)
    {
        if (a.IsNull || b.IsNull)
            return Null;
        return TryCompare(op, a, b, out var result)
            ? Boolean(result)
            : throw new FilterEvaluationException(
                a.Type == b.Type
                    ? $"Operator '{Symbol(op)}' can't compare {a.TypeName} values"
                    : $"Cannot compare {a.TypeName} with {b.TypeName} using '{Symbol(op)}'",
                position);
    }

    /// <summary>Equality as '=' has it, but false instead of an error for types that can't be compared; NULL equals nothing.</summary>
    public static bool AreEqual(in SqlValue a, in SqlValue b) =>
        !a.IsNull && !b.IsNull && TryCompare(ComparisonOperator.Equal, a, b, out var equal) && equal;

    private static bool TryCompare(ComparisonOperator op, in SqlValue a, in SqlValue b, out bool result)
    {
        if (a.IsNumeric && b.IsNumeric)
        {
            result = Promote(a, b) switch
            {
                SqlType.Double => CompareReal(op, a.ToDouble(), b.ToDouble()),
                SqlType.Single => CompareReal(op, a.ToSingle(), b.ToSingle()),
                SqlType.Decimal => Ordered(op, a.ToDecimal().CompareTo(b.ToDecimal())),
                SqlType.UInt64 => Ordered(op, AsUInt64(a).CompareTo(AsUInt64(b))),
                _ => Ordered(op, a._integer.CompareTo(b._integer)),
            };
            return true;
        }
        if (a.Type == SqlType.String && b.Type == SqlType.String)
        {
            result = op switch
            {
                ComparisonOperator.Equal => string.Equals(a.AsString, b.AsString, StringComparison.Ordinal),
                ComparisonOperator.NotEqual => !string.Equals(a.AsString, b.AsString, StringComparison.Ordinal),
                _ => Ordered(op, string.CompareOrdinal(a.AsString, b.AsString)),
            };
            return true;
        }
        if (a.Type == SqlType.Boolean && b.Type == SqlType.Boolean)
        {
            result = op switch
            {
                ComparisonOperator.Equal => a.AsBoolean == b.AsBoolean,
                ComparisonOperator.NotEqual => a.AsBoolean != b.AsBoolean,
                _ => false,
            };
            return op is ComparisonOperator.Equal or ComparisonOperator.NotEqual;
        }
        if (a.Type == SqlType.Guid && b.Type == SqlType.Guid)
        {
            result = Ordered(op, a.ToGuid().CompareTo(b.ToGuid()));
            return true;
        }
        if ((a.Type is SqlType.DateTime or SqlType.DateTimeOffset && b.Type is SqlType.DateTime or SqlType.DateTimeOffset)
            || (a.Type == SqlType.TimeSpan && b.Type == SqlType.TimeSpan))
        {
            result = Ordered(op, a._integer.CompareTo(b._integer));
            return true;
        }
        result = false;
        return false;
    }

    private static bool Ordered(ComparisonOperator op, int comparison) => op switch
    {
        ComparisonOperator.Equal => comparison == 0,
        ComparisonOperator.NotEqual => comparison != 0,
        ComparisonOperator.Less => comparison < 0,
        ComparisonOperator.LessOrEqual => comparison <= 0,
        ComparisonOperator.Greater => comparison > 0,
        _ => comparison >= 0,
    };

    // IEEE semantics as C#'s operators have them: NaN is unequal to everything, itself included.
    private static bool CompareReal(ComparisonOperator op, double a, double b) => op switch
    {
        ComparisonOperator.Equal => a == b,
        ComparisonOperator.NotEqual => a != b,
        ComparisonOperator.Less => a < b,
        ComparisonOperator.LessOrEqual => a <= b,
        ComparisonOperator.Greater => a > b,
        _ => a >= b,
    };

    private static ulong AsUInt64(in SqlValue v) => v.Type == SqlType.UInt64 ? v.ToUInt64() : checked((ulong)v._integer);

    private static SqlType Promote(in SqlValue a, in SqlValue b)
    {
        var x = a.Type;
        var y = b.Type;
        if (x == SqlType.Decimal || y == SqlType.Decimal)
            return x is SqlType.Single or SqlType.Double || y is SqlType.Single or SqlType.Double ? SqlType.Double : SqlType.Decimal;
        if (x == SqlType.Double || y == SqlType.Double)
            return SqlType.Double;
        if (x == SqlType.Single || y == SqlType.Single)
            return SqlType.Single;
        if (x == SqlType.UInt64 || y == SqlType.UInt64)
        {
            var signed = x == SqlType.UInt64 ? b : a;
            return signed.Type is SqlType.Int32 or SqlType.Int64 && signed._integer < 0 ? SqlType.Decimal : SqlType.UInt64;
        }
        if (x == SqlType.Int64 || y == SqlType.Int64)
            return SqlType.Int64;
        if (x == SqlType.UInt32 || y == SqlType.UInt32)
            return x == y ? SqlType.UInt32 : SqlType.Int64;
        return SqlType.Int32;
    }

    private static SqlValue NumericArithmetic(ArithmeticOperator op, in SqlValue a, in SqlValue b)
    {
        switch (Promote(a, b))
        {
            case SqlType.Int32:
            {
                int x = (int)a._integer, y = (int)b._integer;
                return Int32(op switch
                {
                    ArithmeticOperator.Add => checked(x + y),
                    ArithmeticOperator.Subtract => checked(x - y),
                    ArithmeticOperator.Multiply => checked(x * y),
                    ArithmeticOperator.Divide => x / y,
                    _ => x % y,
                });
            }
            case SqlType.UInt32:
            {
                uint x = (uint)a._integer, y = (uint)b._integer;
                return UInt32(op switch
                {
                    ArithmeticOperator.Add => checked(x + y),
                    ArithmeticOperator.Subtract => checked(x - y),
                    ArithmeticOperator.Multiply => checked(x * y),
                    ArithmeticOperator.Divide => x / y,
                    _ => x % y,
                });
            }
            case SqlType.Int64:
            {
                long x = a._integer, y = b._integer;
                return Int64(op switch
                {
                    ArithmeticOperator.Add => checked(x + y),
                    ArithmeticOperator.Subtract => checked(x - y),
                    ArithmeticOperator.Multiply => checked(x * y),
                    ArithmeticOperator.Divide => x / y,
                    _ => x % y,
                });
            }
            case SqlType.UInt64:
            {
                ulong x = AsUInt64(a), y = AsUInt64(b);
                return UInt64(op switch
                {
                    ArithmeticOperator.Add => checked(x + y),
                    ArithmeticOperator.Subtract => checked(x - y),
                    ArithmeticOperator.Multiply => checked(x * y),
                    ArithmeticOperator.Divide => x / y,
                    _ => x % y,
                });
            }
            case SqlType.Single:
            {
                float x = a.ToSingle(), y = b.ToSingle();
                return Single(op switch
                {
                    ArithmeticOperator.Add => x + y,
                    ArithmeticOperator.Subtract => x - y,
                    ArithmeticOperator.Multiply => x * y,
                    ArithmeticOperator.Divide => x / y,
                    _ => x % y,
                });
            }
            case SqlType.Double:
            {
                double x = a.ToDouble(), y = b.ToDouble();
                return Double(op switch
                {
                    ArithmeticOperator.Add => x + y,
                    ArithmeticOperator.Subtract => x - y,
                    ArithmeticOperator.Multiply => x * y,
                    ArithmeticOperator.Divide => x / y,
                    _ => x % y,
                });
            }
            default:
            {
                decimal x = a.ToDecimal(), y = b.ToDecimal();
                return Decimal(op switch
                {
                    ArithmeticOperator.Add => x + y,
                    ArithmeticOperator.Subtract => x - y,
                    ArithmeticOperator.Multiply => x * y,
                    ArithmeticOperator.Divide => x / y,
                    _ => x % y,
                });
            }
        }
    }

    private static bool TryTimeArithmetic(ArithmeticOperator op, in SqlValue a, in SqlValue b, out SqlValue result)
    {
        result = Null;
        var aTime = a.Type is SqlType.DateTime or SqlType.DateTimeOffset;
        var bTime = b.Type is SqlType.DateTime or SqlType.DateTimeOffset;
        if (op == ArithmeticOperator.Add)
        {
            if (a.Type == SqlType.TimeSpan && b.Type == SqlType.TimeSpan)
                result = TimeSpan(new TimeSpan(a._integer) + new TimeSpan(b._integer));
            else if (aTime && b.Type == SqlType.TimeSpan)
                result = ShiftTime(a, b._integer);
            return !result.IsNull;
        }
        if (op == ArithmeticOperator.Subtract)
        {
            if (a.Type == SqlType.TimeSpan && b.Type == SqlType.TimeSpan)
                result = TimeSpan(new TimeSpan(a._integer) - new TimeSpan(b._integer));
            else if (aTime && bTime)
                result = TimeSpan(new TimeSpan(checked(a._integer - b._integer)));
            else if (aTime && b.Type == SqlType.TimeSpan)
                result = ShiftTime(a, checked(-b._integer));
            return !result.IsNull;
        }
        return false;
    }

    private static SqlValue ShiftTime(in SqlValue time, long ticks) => time.Type == SqlType.DateTime
        ? DateTime(new DateTime(time._integer, DateTimeKind.Utc).AddTicks(ticks))
        : DateTimeOffset(time.ToDateTimeOffset().AddTicks(ticks));
}
