using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using Ferry.Amqp;

namespace Ferry.Server.Http;

/// <summary>
/// Renders values of the AMQP object model (and the broker's property values) as JSON for people: numbers and booleans
/// as themselves, timestamps as ISO 8601, uuids and symbols as strings, binary as base64, lists and arrays as arrays,
/// maps as objects (keys as text), described values as <c>{"descriptor":…,"value":…}</c>. Strings and binaries longer
/// than the limit are cut, and collections past <see cref="MaxElements"/> elements; <c>truncated</c> then becomes true.
/// </summary>
internal sealed class AmqpJson
{
    public const int MaxElements = 1000;
    private const int MaxDepth = 32;
    private readonly int _limit;

    public AmqpJson(int limit) => _limit = limit;

    /// <summary>Whether anything rendered so far was cut.</summary>
    public bool Truncated { get; private set; }

    public JsonNode? Render(object? value) => Render(value, 0);

    private JsonNode? Render(object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            Truncated = true;
            return null;
        }
        switch (value)
        {
            case null: return null;
            case string s: return JsonValue.Create(Cut(s));
            case bool b: return JsonValue.Create(b);
            case byte v: return JsonValue.Create(v);
            case sbyte v: return JsonValue.Create(v);
            case short v: return JsonValue.Create(v);
            case ushort v: return JsonValue.Create(v);
            case int v: return JsonValue.Create(v);
            case uint v: return JsonValue.Create(v);
            case long v: return JsonValue.Create(v);
            case ulong v: return JsonValue.Create(v);
            case float v: return double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(v.ToString(CultureInfo.InvariantCulture));
            case double v: return double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(v.ToString(CultureInfo.InvariantCulture));
            case Rune r: return JsonValue.Create(r.ToString());
            case char c: return JsonValue.Create(c.ToString());
            case DateTimeOffset t: return JsonValue.Create(t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            case DateTime t: return JsonValue.Create(new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture));
            case TimeSpan t: return JsonValue.Create(XmlConvert.ToString(t));
            case Guid g: return JsonValue.Create(g.ToString());
            case AmqpSymbol symbol: return JsonValue.Create(Cut(symbol.Value));
            case byte[] bytes: return JsonValue.Create(Base64(bytes));
            case AmqpMap map:
            {
                var result = new JsonObject();
                var n = 0;
                foreach (var (k, v) in map)
                {
                    if (n++ >= MaxElements)
                    {
                        Truncated = true;
                        break;
                    }
                    result[KeyText(k)] = Render(v, depth + 1);
                }
                return result;
            }
            case DescribedValue described:
                return new JsonObject { ["descriptor"] = Render(described.Descriptor, depth + 1), ["value"] = Render(described.Value, depth + 1) };
            case IDictionary dictionary:
            {
                var result = new JsonObject();
                foreach (DictionaryEntry entry in dictionary)
                    result[KeyText(entry.Key)] = Render(entry.Value, depth + 1);
                return result;
            }
            case IEnumerable sequence:
            {
                var result = new JsonArray();
                foreach (var item in sequence)
                {
                    if (result.Count >= MaxElements)
                    {
                        Truncated = true;
                        break;
                    }
                    result.Add(Render(item, depth + 1));
                }
                return result;
            }
            default:
                return JsonValue.Create(Cut(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty));
        }
    }

    private static string KeyText(object? key) => key switch
    {
        null => "null",
        string s => s,
        AmqpSymbol symbol => symbol.Value,
        _ => Convert.ToString(key, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private string Cut(string s)
    {
        if (s.Length <= _limit)
            return s;
        Truncated = true;
        return s[.._limit];
    }

    private string Base64(byte[] bytes)
    {
        if (bytes.Length <= _limit)
            return Convert.ToBase64String(bytes);
        Truncated = true;
        return Convert.ToBase64String(bytes, 0, _limit);
    }
}
