using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Ferry.Benchmarks;

/// <summary>
/// A typical Service Bus message as a client encodes it: message-id (a GUID string, as the SDKs assign), content
/// type, correlation id, subject, three application properties and a 1 KB data body. Encoded with AMQPNetLite, so
/// the bytes are a real client's, not Ferry's own encoder's.
/// </summary>
public static class TypicalMessage
{
    public static byte[] Encode(int bodySize = 1024)
    {
        var body = new byte[bodySize];
        new Random(42).NextBytes(body);
        var message = new Message
        {
            Properties = new Properties
            {
                MessageId = Guid.NewGuid().ToString("N"),
                ContentType = "application/json",
                CorrelationId = "order-1234",
                Subject = "OrderPlaced",
            },
            ApplicationProperties = new ApplicationProperties(),
            BodySection = new Data { Binary = body },
        };
        message.ApplicationProperties["tenant"] = "contoso";
        message.ApplicationProperties["priority"] = 3;
        message.ApplicationProperties["created"] = new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc);
        var buffer = message.Encode();
        return buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
    }
}
