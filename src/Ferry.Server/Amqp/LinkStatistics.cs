namespace Ferry.Server.Amqp;

/// <summary>What a link does for its client, as <c>/metrics</c> counts it.</summary>
internal enum LinkKind
{
    /// <summary>The client sends messages to an entity.</summary>
    Send,

    /// <summary>The client receives messages from an entity (or its dead-letter queue, or a session).</summary>
    Receive,

    /// <summary>A request or reply link of <c>$cbs</c> or a <c>$management</c> node, or another control link.</summary>
    Control,
}

/// <summary>Open links of one server per <see cref="LinkKind"/>, counted when a link is attached and when it goes.</summary>
internal sealed class LinkStatistics
{
    private readonly long[] _open = new long[Enum.GetValues<LinkKind>().Length];

    public void Attached(LinkKind kind) => Interlocked.Increment(ref _open[(int)kind]);

    public void Detached(LinkKind kind) => Interlocked.Decrement(ref _open[(int)kind]);

    public long Open(LinkKind kind) => Interlocked.Read(ref _open[(int)kind]);
}
