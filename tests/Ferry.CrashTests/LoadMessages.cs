using System.Globalization;
using Amqp;
using Amqp.Types;

namespace Ferry.CrashTests;

/// <summary>
/// The test's messages: id <c>L{link}-{n}</c> (n counts up per sender link from 1), in properties.message-id and as the
/// amqp-value body, so a delivery proves which send it is and that its body survived.
/// </summary>
internal static class LoadMessages
{
    private static readonly Symbol SequenceNumberKey = new("x-opt-sequence-number");

    public static string Id(int link, long n) => string.Create(CultureInfo.InvariantCulture, $"L{link}-{n}");

    public static (int Link, long N) Parse(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return (int.Parse(id.AsSpan(1, dash - 1), CultureInfo.InvariantCulture), long.Parse(id.AsSpan(dash + 1), CultureInfo.InvariantCulture));
    }

    public static Message Create(string id) => new(id) { Properties = new Amqp.Framing.Properties { MessageId = id } };

    public static string MessageId(Message message) => message.Properties?.MessageId
        ?? throw new InvalidOperationException("A delivered message has no message-id.");

    public static bool BodyMatches(Message message) => message.Body is string body && body == MessageId(message);

    public static long SequenceNumber(Message message) => message.MessageAnnotations?[SequenceNumberKey] is long seq
        ? seq
        : throw new InvalidOperationException($"Message {message.Properties?.MessageId} has no x-opt-sequence-number annotation.");

    public static uint DeliveryCount(Message message) => message.Header?.DeliveryCount ?? 0;
}
