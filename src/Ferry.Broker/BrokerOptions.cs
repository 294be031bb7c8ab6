namespace Ferry.Broker;

/// <summary>Options of the broker core.</summary>
public sealed class BrokerOptions
{
    /// <summary>The namespace name, used in error texts and addresses (<c>sb://&lt;host&gt;/&lt;entity&gt;</c>).</summary>
    public string NamespaceHost { get; set; } = "localhost";

    /// <summary>
    /// Bytes of queued messages' bodies kept in memory, across every entity (default 64 MiB). Beyond it a newly stored
    /// message keeps only its index entry, and its body is read back from the store when it is delivered or peeked. A body
    /// over <see cref="BodyMemory.LargestKeptBytes"/> (64 KiB) is never kept. 0 keeps none: every delivery reads its body
    /// from the store.
    /// </summary>
    public long MessageBodyMemoryBytes { get; set; } = 64L * 1024 * 1024;
}
