namespace Ferry.Broker.Filters;

/// <summary>
/// A compiled LIKE pattern: '%' matches any run of characters (none included), '_' exactly one UTF-16 character,
/// the escape character makes the next character literal, and everything else matches itself, ordinally (case
/// matters). Matching is linear-time backtracking over the last '%' and allocates nothing.
/// </summary>
internal sealed class LikePattern
{
    private const int AnyOne = -1;
    private const int AnyRun = -2;

    // A literal character code, or AnyOne/AnyRun.
    private readonly int[] _items;

    private LikePattern(int[] items) => _items = items;

    /// <summary>Compiles <paramref name="pattern"/>; null and <paramref name="error"/> set when it ends with the escape character.</summary>
    public static LikePattern? TryCompile(string pattern, char? escape, out string? error)
    {
        var items = new List<int>(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (escape == c)
            {
                if (++i == pattern.Length)
                {
                    error = "The LIKE pattern ends with the escape character";
                    return null;
                }
                items.Add(pattern[i]);
            }
            else if (c == '%')
            {
                // Consecutive '%' mean the same as one.
                if (items.Count == 0 || items[^1] != AnyRun)
                    items.Add(AnyRun);
            }
            else
            {
                items.Add(c == '_' ? AnyOne : c);
            }
        }
        error = null;
        return new LikePattern([.. items]);
    }

    public bool IsMatch(string text)
    {
        var items = _items;
        int p = 0, s = 0, runAt = -1, runText = 0;
        while (s < text.Length)
        {
            if (p < items.Length && (items[p] == AnyOne || items[p] == text[s]))
            {
                p++;
                s++;
            }
            else if (p < items.Length && items[p] == AnyRun)
            {
                runAt = p++;
                runText = s;
            }
            else if (runAt >= 0)
            {
                // Let the last '%' absorb one more character and retry from there.
                p = runAt + 1;
                s = ++runText;
            }
            else
            {
                return false;
            }
        }
        while (p < items.Length && items[p] == AnyRun)
            p++;
        return p == items.Length;
    }
}
