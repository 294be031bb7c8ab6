namespace Ferry.Amqp;

// Decoding helpers for composite fields whose AMQP type has more than one encoding.
internal static class FieldReader
{
    // A multiple="true" symbol field (AMQP 1.0 §1.3): a single symbol or an array of symbols.
    public static AmqpSymbol[]? ReadSymbols(ref AmqpReader reader)
    {
        byte code = reader.PeekFormatCode();
        if (code is FormatCode.Symbol8 or FormatCode.Symbol32)
        {
            return [reader.ReadSymbol()];
        }

        return reader.ReadValue() switch
        {
            AmqpSymbol[] symbols => symbols,
            object?[] { Length: 0 } => [],
            _ => throw new AmqpDecodeException("Expected a symbol or an array of symbols."),
        };
    }

    public static AmqpMap ReadMap(ref AmqpReader reader) =>
        reader.ReadValue() as AmqpMap ?? throw new AmqpDecodeException("Expected a map.");

    public static byte[] ReadBinary(ref AmqpReader reader) => reader.ReadBinary().ToArray();

    public static AmqpDecodeException UnknownDescriptor(ulong code, string what) =>
        new($"Unknown {what} descriptor 0x{code:X}.");
}
