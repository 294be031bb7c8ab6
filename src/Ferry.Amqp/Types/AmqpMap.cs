using System.Collections;

namespace Ferry.Amqp;

/// <summary>
/// An AMQP map (AMQP 1.0 §1.6.23) in the generic object model: keys of any AMQP type, insertion order kept, so
/// a decoded map re-encodes byte for byte. Keys compare structurally with <see cref="AmqpValueComparer"/>;
/// a <see cref="string"/> key and an <see cref="AmqpSymbol"/> key with the same text are different keys.
/// </summary>
/// <remarks>
/// Lookups are linear: AMQP maps on the wire (annotations, properties, management bodies) are small, and a list
/// keeps decoding allocation-light. Not thread-safe.
/// </remarks>
public sealed class AmqpMap : IEnumerable<KeyValuePair<object?, object?>>, IEquatable<AmqpMap>
{
    private readonly List<KeyValuePair<object?, object?>> _entries;

    public AmqpMap()
    {
        _entries = [];
    }

    public AmqpMap(int capacity)
    {
        _entries = new List<KeyValuePair<object?, object?>>(capacity);
    }

    public int Count => _entries.Count;

    /// <summary>Gets the value for a key (null when absent) or sets it (replacing in place, or appending).</summary>
    public object? this[object? key]
    {
        get => TryGetValue(key, out var value) ? value : null;
        set
        {
            int index = IndexOf(key);
            if (index >= 0)
            {
                _entries[index] = new KeyValuePair<object?, object?>(key, value);
            }
            else
            {
                _entries.Add(new KeyValuePair<object?, object?>(key, value));
            }
        }
    }

    /// <summary>Adds an entry; throws <see cref="ArgumentException"/> if the key is already present.</summary>
    public void Add(object? key, object? value)
    {
        if (IndexOf(key) >= 0)
        {
            throw new ArgumentException($"The key '{key}' is already present in the map.", nameof(key));
        }

        _entries.Add(new KeyValuePair<object?, object?>(key, value));
    }

    /// <summary>Appends without a duplicate check; the decoder uses it so a hostile map costs O(n), not O(n²).</summary>
    internal void AddUnchecked(object? key, object? value) => _entries.Add(new KeyValuePair<object?, object?>(key, value));

    public bool TryGetValue(object? key, out object? value)
    {
        int index = IndexOf(key);
        value = index >= 0 ? _entries[index].Value : null;
        return index >= 0;
    }

    /// <summary>Looks up a <see cref="string"/> key (not a symbol key with the same text).</summary>
    public bool TryGetValue(string key, out object? value)
    {
        foreach (var entry in _entries)
        {
            if (entry.Key is string s && string.Equals(s, key, StringComparison.Ordinal))
            {
                value = entry.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>Looks up an <see cref="AmqpSymbol"/> key (not a string key with the same text).</summary>
    public bool TryGetValue(AmqpSymbol key, out object? value)
    {
        foreach (var entry in _entries)
        {
            if (entry.Key is AmqpSymbol s && s.Equals(key))
            {
                value = entry.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    public bool ContainsKey(object? key) => IndexOf(key) >= 0;

    public bool Remove(object? key)
    {
        int index = IndexOf(key);
        if (index < 0)
        {
            return false;
        }

        _entries.RemoveAt(index);
        return true;
    }

    public void Clear() => _entries.Clear();

    public List<KeyValuePair<object?, object?>>.Enumerator GetEnumerator() => _entries.GetEnumerator();

    IEnumerator<KeyValuePair<object?, object?>> IEnumerable<KeyValuePair<object?, object?>>.GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();

    /// <summary>Maps are equal when they hold the same keys with structurally equal values, in any order.</summary>
    public bool Equals(AmqpMap? other)
    {
        if (other is null || other.Count != Count)
        {
            return false;
        }

        foreach (var entry in _entries)
        {
            if (!other.TryGetValue(entry.Key, out var value) || !AmqpValueComparer.Instance.Equals(entry.Value, value))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as AmqpMap);

    public override int GetHashCode()
    {
        int hash = Count;
        foreach (var entry in _entries)
        {
            // Order-independent combination, matching the order-independent Equals.
            hash ^= AmqpValueComparer.Instance.GetHashCode(entry.Key);
        }

        return hash;
    }

    private int IndexOf(object? key)
    {
        for (int i = 0; i < _entries.Count; i++)
        {
            if (AmqpValueComparer.Instance.Equals(_entries[i].Key, key))
            {
                return i;
            }
        }

        return -1;
    }
}
