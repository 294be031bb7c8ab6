namespace Ferry.Jobs;

/// <summary>A typed batch item seen through its untyped outcome, for the consumer that settles it.</summary>
internal abstract class BatchItemBox
{
    public abstract JobDelivery Delivery { get; }

    public abstract int Priority { get; }

    public abstract long Tokens { get; }

    public abstract BatchItemStatus Status { get; }

    public abstract Exception? Error { get; }

    public abstract void Fail(Exception error);
}
