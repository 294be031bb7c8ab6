namespace Ferry.Amqp;

/// <summary>
/// Book-keeping for a described list being written field by field (AMQP 1.0 §1.4 composite types): where the
/// list started, how many fields were written, and where the last non-null field ended, so trailing nulls can
/// be dropped when the list is closed. Obtain one from <see cref="AmqpWriter.BeginComposite(ulong)"/>.
/// </summary>
public struct CompositeScope
{
    internal int Token;
    internal int Fields;
    internal int LastNonNullEnd;
    internal int LastNonNullFields;
}
