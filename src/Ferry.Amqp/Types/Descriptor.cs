namespace Ferry.Amqp;

/// <summary>
/// Numeric descriptors of the AMQP-defined composite types: domain 0x00000000 (AMQP 1.0 §1.5), so the code is
/// the low 32 bits. Performatives §2.7, definitions §2.8, messaging §3.2/§3.4/§3.5, transactions §4.5, SASL §5.3.3.
/// </summary>
public static class Descriptor
{
    public const ulong Open = 0x10;
    public const ulong Begin = 0x11;
    public const ulong Attach = 0x12;
    public const ulong Flow = 0x13;
    public const ulong Transfer = 0x14;
    public const ulong Disposition = 0x15;
    public const ulong Detach = 0x16;
    public const ulong End = 0x17;
    public const ulong Close = 0x18;
    public const ulong Error = 0x1D;
    public const ulong Received = 0x23;
    public const ulong Accepted = 0x24;
    public const ulong Rejected = 0x25;
    public const ulong Released = 0x26;
    public const ulong Modified = 0x27;
    public const ulong Source = 0x28;
    public const ulong Target = 0x29;
    public const ulong DeleteOnClose = 0x2B;
    public const ulong DeleteOnNoLinks = 0x2C;
    public const ulong DeleteOnNoMessages = 0x2D;
    public const ulong DeleteOnNoLinksOrMessages = 0x2E;
    public const ulong Coordinator = 0x30;
    public const ulong Declare = 0x31;
    public const ulong Discharge = 0x32;
    public const ulong Declared = 0x33;
    public const ulong TransactionalState = 0x34;
    public const ulong SaslMechanisms = 0x40;
    public const ulong SaslInit = 0x41;
    public const ulong SaslChallenge = 0x42;
    public const ulong SaslResponse = 0x43;
    public const ulong SaslOutcome = 0x44;
    public const ulong Header = 0x70;
    public const ulong DeliveryAnnotations = 0x71;
    public const ulong MessageAnnotations = 0x72;
    public const ulong Properties = 0x73;
    public const ulong ApplicationProperties = 0x74;
    public const ulong Data = 0x75;
    public const ulong AmqpSequence = 0x76;
    public const ulong AmqpValue = 0x77;
    public const ulong Footer = 0x78;

    /// <summary>Maps a symbolic descriptor such as <c>amqp:open:list</c> to its code; unknown symbols give <see cref="ulong.MaxValue"/>.</summary>
    public static ulong FromSymbol(ReadOnlySpan<byte> ascii) => ascii switch
    {
        _ when ascii.SequenceEqual("amqp:open:list"u8) => Open,
        _ when ascii.SequenceEqual("amqp:begin:list"u8) => Begin,
        _ when ascii.SequenceEqual("amqp:attach:list"u8) => Attach,
        _ when ascii.SequenceEqual("amqp:flow:list"u8) => Flow,
        _ when ascii.SequenceEqual("amqp:transfer:list"u8) => Transfer,
        _ when ascii.SequenceEqual("amqp:disposition:list"u8) => Disposition,
        _ when ascii.SequenceEqual("amqp:detach:list"u8) => Detach,
        _ when ascii.SequenceEqual("amqp:end:list"u8) => End,
        _ when ascii.SequenceEqual("amqp:close:list"u8) => Close,
        _ when ascii.SequenceEqual("amqp:error:list"u8) => Error,
        _ when ascii.SequenceEqual("amqp:received:list"u8) => Received,
        _ when ascii.SequenceEqual("amqp:accepted:list"u8) => Accepted,
        _ when ascii.SequenceEqual("amqp:rejected:list"u8) => Rejected,
        _ when ascii.SequenceEqual("amqp:released:list"u8) => Released,
        _ when ascii.SequenceEqual("amqp:modified:list"u8) => Modified,
        _ when ascii.SequenceEqual("amqp:source:list"u8) => Source,
        _ when ascii.SequenceEqual("amqp:target:list"u8) => Target,
        _ when ascii.SequenceEqual("amqp:delete-on-close:list"u8) => DeleteOnClose,
        _ when ascii.SequenceEqual("amqp:delete-on-no-links:list"u8) => DeleteOnNoLinks,
        _ when ascii.SequenceEqual("amqp:delete-on-no-messages:list"u8) => DeleteOnNoMessages,
        _ when ascii.SequenceEqual("amqp:delete-on-no-links-or-messages:list"u8) => DeleteOnNoLinksOrMessages,
        _ when ascii.SequenceEqual("amqp:coordinator:list"u8) => Coordinator,
        _ when ascii.SequenceEqual("amqp:declare:list"u8) => Declare,
        _ when ascii.SequenceEqual("amqp:discharge:list"u8) => Discharge,
        _ when ascii.SequenceEqual("amqp:declared:list"u8) => Declared,
        _ when ascii.SequenceEqual("amqp:transactional-state:list"u8) => TransactionalState,
        _ when ascii.SequenceEqual("amqp:sasl-mechanisms:list"u8) => SaslMechanisms,
        _ when ascii.SequenceEqual("amqp:sasl-init:list"u8) => SaslInit,
        _ when ascii.SequenceEqual("amqp:sasl-challenge:list"u8) => SaslChallenge,
        _ when ascii.SequenceEqual("amqp:sasl-response:list"u8) => SaslResponse,
        _ when ascii.SequenceEqual("amqp:sasl-outcome:list"u8) => SaslOutcome,
        _ when ascii.SequenceEqual("amqp:header:list"u8) => Header,
        _ when ascii.SequenceEqual("amqp:delivery-annotations:map"u8) => DeliveryAnnotations,
        _ when ascii.SequenceEqual("amqp:message-annotations:map"u8) => MessageAnnotations,
        _ when ascii.SequenceEqual("amqp:properties:list"u8) => Properties,
        _ when ascii.SequenceEqual("amqp:application-properties:map"u8) => ApplicationProperties,
        _ when ascii.SequenceEqual("amqp:data:binary"u8) => Data,
        _ when ascii.SequenceEqual("amqp:amqp-sequence:list"u8) => AmqpSequence,
        _ when ascii.SequenceEqual("amqp:amqp-value:*"u8) => AmqpValue,
        _ when ascii.SequenceEqual("amqp:footer:map"u8) => Footer,
        _ => ulong.MaxValue,
    };
}
