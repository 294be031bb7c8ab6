namespace Ferry.Amqp;

/// <summary>What <see cref="TransferAssembler.Append"/> made of a transfer frame.</summary>
public enum TransferResult : byte
{
    /// <summary>More frames of this delivery are expected.</summary>
    Incomplete = 0,

    /// <summary>The delivery is complete; take it from <see cref="TransferAssembler.Message"/>.</summary>
    Complete = 1,

    /// <summary>The sender aborted the delivery (§2.6.14); everything buffered was discarded.</summary>
    Aborted = 2,
}
