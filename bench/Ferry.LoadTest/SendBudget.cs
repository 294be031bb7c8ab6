namespace Ferry.LoadTest;

/// <summary>How many messages the senders may still send, shared by all of them; 0 at the start means no limit.</summary>
internal sealed class SendBudget(long count)
{
    private long _left = count;

    public bool Unlimited { get; } = count == 0;

    /// <summary>Takes up to <paramref name="batch"/> messages from the budget; 0 when it is spent.</summary>
    public int Take(int batch)
    {
        if (Unlimited)
            return batch;
        while (true)
        {
            var left = Interlocked.Read(ref _left);
            if (left <= 0)
                return 0;
            var take = (int)Math.Min(batch, left);
            if (Interlocked.CompareExchange(ref _left, left - take, left) == left)
                return take;
        }
    }
}
