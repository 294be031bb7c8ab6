namespace Ferry.Jobs;

/// <summary>One batch handed to an <see cref="IBatchJobHandler{TPayload}"/>: its items, highest priority first.</summary>
public sealed class JobBatch<TPayload>
{
    internal JobBatch(IReadOnlyList<BatchItem<TPayload>> items, long tokens)
    {
        Items = items;
        Tokens = tokens;
    }

    /// <summary>The items, in order of priority (higher first), then of arrival (sequence number).</summary>
    public IReadOnlyList<BatchItem<TPayload>> Items { get; }

    /// <summary>The sum of the items' token estimates (0 without an estimator).</summary>
    public long Tokens { get; }

    public int Count => Items.Count;
}
