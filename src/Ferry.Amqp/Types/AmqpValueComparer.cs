using System.Collections;

namespace Ferry.Amqp;

/// <summary>
/// Structural equality for values of the generic object model: binary by content, lists and arrays element by
/// element, maps by entries, described values by descriptor and value, floating point by bits (NaN equals NaN).
/// </summary>
public sealed class AmqpValueComparer : IEqualityComparer<object?>
{
    public static readonly AmqpValueComparer Instance = new();

    private AmqpValueComparer()
    {
    }

    public new bool Equals(object? x, object? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null)
        {
            return false;
        }

        switch (x)
        {
            case byte[] xb:
                return y is byte[] yb && xb.AsSpan().SequenceEqual(yb);
            case ReadOnlyMemory<byte> xm:
                return y is ReadOnlyMemory<byte> ym && xm.Span.SequenceEqual(ym.Span);
            case AmqpMap xmap:
                return xmap.Equals(y as AmqpMap);
            case DescribedValue xd:
                return xd.Equals(y as DescribedValue);
            case Array xa:
                if (y is not Array ya || xa.GetType() != ya.GetType() || xa.Length != ya.Length)
                {
                    return false;
                }

                for (int i = 0; i < xa.Length; i++)
                {
                    if (!Equals(xa.GetValue(i), ya.GetValue(i)))
                    {
                        return false;
                    }
                }

                return true;
            case IList xl when x is not string:
                if (y is not IList yl || y is Array || xl.Count != yl.Count)
                {
                    return false;
                }

                for (int i = 0; i < xl.Count; i++)
                {
                    if (!Equals(xl[i], yl[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return x.Equals(y);
        }
    }

    public int GetHashCode(object? obj)
    {
        switch (obj)
        {
            case null:
                return 0;
            case byte[] b:
            {
                var hash = new HashCode();
                hash.AddBytes(b);
                return hash.ToHashCode();
            }

            case ReadOnlyMemory<byte> m:
            {
                var hash = new HashCode();
                hash.AddBytes(m.Span);
                return hash.ToHashCode();
            }

            case Array a:
                return HashCode.Combine(a.GetType(), a.Length);
            case IList l when obj is not string:
                return l.Count;
            default:
                return obj.GetHashCode();
        }
    }
}
