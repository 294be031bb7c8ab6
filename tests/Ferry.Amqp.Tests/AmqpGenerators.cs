using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Ferry.Amqp;

namespace Ferry.Amqp.Tests;

/// <summary>A value of the generic object model, wrapped so FsCheck prints it and picks our generator.</summary>
public sealed record GenValue(object? Value)
{
    public override string ToString() => Describe(Value);

    private static string Describe(object? v) => v switch
    {
        null => "null",
        byte[] b => "bin:" + Convert.ToHexString(b),
        string s => "\"" + s + "\"",
        System.Collections.IList l when v is not Array => "[" + string.Join(",", l.Cast<object?>().Select(Describe)) + "]",
        Array a => a.GetType().Name + "{" + string.Join(",", a.Cast<object?>().Select(Describe)) + "}",
        AmqpMap m => "{" + string.Join(",", m.Select(e => Describe(e.Key) + ":" + Describe(e.Value))) + "}",
        DescribedValue d => "(" + Describe(d.Descriptor) + ")" + Describe(d.Value),
        _ => v.GetType().Name + ":" + v,
    };
}

public static class AmqpGenerators
{
    private static Gen<int> AnyInt => Gen.Choose(int.MinValue, int.MaxValue);

    private static Gen<long> AnyLong => Gen.Zip(AnyInt, AnyInt, (a, b) => ((long)a << 32) ^ (uint)b);

    // Small magnitudes hit the compact encodings (smallint, smalluint, uint0) more often.
    private static Gen<long> InterestingLong => Gen.OneOf(AnyLong, Gen.Choose(-300, 300).Select(i => (long)i));

    private static Gen<string> Text => Gen.OneOf(
        Gen.Elements("", "a", "héllo", "中文", "\U0001F600", "x-opt-sequence-number"),
        Gen.ArrayOf(Gen.Choose(0x20, 0x7E).Select(c => (char)c)).Select(c => new string(c)),
        Gen.Choose(250, 300).Select(n => new string('s', n)));

    private static Gen<AmqpSymbol> Symbol => Gen.OneOf(
        Gen.Elements("a", "x-opt-enqueued-time", "com.microsoft:session-filter"),
        Gen.ArrayOf(Gen.Choose(0x21, 0x7E).Select(c => (char)c)).Select(c => new string(c)),
        Gen.Choose(254, 260).Select(n => new string('y', n))).Select(s => new AmqpSymbol(s));

    private static Gen<byte[]> Binary => Gen.OneOf(
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
        Gen.Choose(255, 300).Select(n => new byte[n]));

    public static Gen<object?> Primitive => Gen.OneOf(
        Gen.Constant<object?>(null),
        Gen.Elements<object?>(true, false),
        Gen.Choose(0, 255).Select(i => (object?)(byte)i),
        Gen.Choose(0, 65535).Select(i => (object?)(ushort)i),
        InterestingLong.Select(l => (object?)(uint)l),
        InterestingLong.Select(l => (object?)(ulong)l),
        Gen.Choose(-128, 127).Select(i => (object?)(sbyte)i),
        Gen.Choose(short.MinValue, short.MaxValue).Select(i => (object?)(short)i),
        InterestingLong.Select(l => (object?)(int)l),
        InterestingLong.Select(l => (object?)l),
        AnyInt.Select(i => (object?)BitConverter.Int32BitsToSingle(i)),
        AnyLong.Select(l => (object?)BitConverter.Int64BitsToDouble(l)),
        AnyInt.Select(i => (object?)new AmqpDecimal32((uint)i)),
        AnyLong.Select(l => (object?)new AmqpDecimal64((ulong)l)),
        Gen.Zip(AnyLong, AnyLong, (a, b) => (object?)new AmqpDecimal128((ulong)a, (ulong)b)),
        Gen.Choose(0, 0x10FFFF).Where(Rune.IsValid).Select(i => (object?)new Rune(i)),
        Gen.Choose(-100_000_000, 100_000_000).Select(i => (object?)DateTimeOffset.FromUnixTimeMilliseconds(i * 60_000L + (i % 1000))),
        Gen.Fresh(() => (object?)Guid.NewGuid()),
        Binary.Select(b => (object?)b),
        Text.Select(s => (object?)s),
        Symbol.Select(s => (object?)s));

    private static Gen<Array> TypedArray => Gen.OneOf(
        Gen.ArrayOf(Gen.Elements(true, false)).Select(a => (Array)a),
        Gen.ArrayOf(InterestingLong.Select(l => (int)l)).Select(a => (Array)a),
        Gen.ArrayOf(InterestingLong).Select(a => (Array)a),
        Gen.ArrayOf(InterestingLong.Select(l => (ulong)l)).Select(a => (Array)a),
        Gen.ArrayOf(Gen.Fresh(Guid.NewGuid)).Select(a => (Array)a),
        Gen.ArrayOf(Text).Select(a => (Array)a),
        Gen.ArrayOf(Symbol).Select(a => (Array)a),
        Gen.ArrayOf(Binary).Select(a => (Array)a),
        Gen.NonEmptyListOf(Text).Select(l => (Array)l.Select(s => new DescribedValue(0x1370000006ul, s)).ToArray()));

    public static Gen<object?> Value(int size)
    {
        if (size <= 0)
        {
            return Primitive;
        }

        var child = Gen.Sized(s => Value(Math.Min(s, size) / 3));
        var list = Gen.ListOf(child, Math.Min(size, 8)).Select(l => (object?)new List<object?>(l));
        var map = Gen.ListOf(Gen.Zip(Gen.OneOf(Primitive.Where(k => k is not null), child), child), Math.Min(size, 6))
            .Select(entries =>
            {
                var m = new AmqpMap();
                foreach (var (k, v) in entries)
                {
                    if (!m.ContainsKey(k))
                    {
                        m.Add(k, v);
                    }
                }

                return (object?)m;
            });
        var described = Gen.Zip(Gen.OneOf(InterestingLong.Select(l => (object)(ulong)l), Symbol.Select(s => (object)s)), child)
            .Select(t => (object?)new DescribedValue(t.Item1, t.Item2));
        return Gen.Frequency(
            (6, Primitive),
            (2, list),
            (2, map),
            (1, described),
            (1, TypedArray.Select(a => (object?)a)));
    }

    public static Arbitrary<GenValue> Values() =>
        Arb.From(Gen.Sized(s => Value(Math.Min(s, 30))).Select(v => new GenValue(v)));
}
