namespace Ferry.Broker;

/// <summary>Options of the broker core.</summary>
public sealed class BrokerOptions
{
    /// <summary>The namespace name, used in error texts and addresses (<c>sb://&lt;host&gt;/&lt;entity&gt;</c>).</summary>
    public string NamespaceHost { get; set; } = "localhost";
}
