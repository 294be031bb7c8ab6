using System.Collections.ObjectModel;

namespace Ferry.Broker.Filters;

/// <summary>The parameters of a SQL filter or action: validated, copied and keyed for the parser.</summary>
internal static class SqlParameters
{
    /// <summary>
    /// Copies <paramref name="parameters"/> and returns them keyed without the leading '@', case-insensitively.
    /// </summary>
    /// <exception cref="ArgumentException">A name is empty or repeated, or a value is of a type SQL can't use.</exception>
    public static (IReadOnlyDictionary<string, object?> Copy, IReadOnlyDictionary<string, SqlValue> ByName) Prepare(
        IReadOnlyDictionary<string, object?>? parameters, string paramName)
    {
        if (parameters is null || parameters.Count == 0)
            return (ReadOnlyDictionary<string, object?>.Empty, ReadOnlyDictionary<string, SqlValue>.Empty);
        var copy = new Dictionary<string, object?>(parameters.Count, StringComparer.Ordinal);
        var byName = new Dictionary<string, SqlValue>(parameters.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in parameters)
        {
            var name = key.StartsWith('@') ? key[1..] : key;
            if (name.Length == 0)
                throw new ArgumentException("A parameter name is empty.", paramName);
            var sqlValue = SqlValue.FromObject(value);
            if (sqlValue.Type == SqlType.Other)
            {
                throw new ArgumentException(
                    $"The parameter '{key}' is a {value!.GetType().Name}; parameters are strings, Booleans, numbers, Guid, DateTime, DateTimeOffset, TimeSpan or null.",
                    paramName);
            }
            if (!byName.TryAdd(name, sqlValue))
                throw new ArgumentException($"The parameter '@{name}' is given more than once.", paramName);
            copy[key] = value;
        }
        return (copy.AsReadOnly(), byName);
    }

    public static bool AreEqual(IReadOnlyDictionary<string, object?> a, IReadOnlyDictionary<string, object?> b)
    {
        if (a.Count != b.Count)
            return false;
        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || !Equals(value, other))
                return false;
        }
        return true;
    }
}
