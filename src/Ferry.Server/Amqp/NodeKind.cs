namespace Ferry.Server.Amqp;

/// <summary>The request/response nodes of the Service Bus dialect.</summary>
internal enum NodeKind
{
    /// <summary><c>$cbs</c>: claims-based security, put-token.</summary>
    Cbs,

    /// <summary><c>&lt;entity&gt;/$management</c>: peek, renew-lock, schedule, dispositions…</summary>
    Management,
}
