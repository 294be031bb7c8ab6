using System.Text.Json.Serialization;
using Ferry.Broker;

namespace Ferry.Server.Http;

/// <summary>A queue's depth in the shape of the assessment platform's <c>GET /api/admin/queue/status</c> (snake_case).</summary>
internal sealed record QueueStatus(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("active_messages")] long ActiveMessages,
    [property: JsonPropertyName("dead_letter_messages")] long DeadLetterMessages,
    [property: JsonPropertyName("scheduled_messages")] long ScheduledMessages)
{
    public static QueueStatus Of(QueueEntity queue)
    {
        var runtime = queue.GetRuntimeProperties();
        return new QueueStatus(queue.Name, runtime.ActiveMessageCount, runtime.DeadLetterMessageCount, runtime.ScheduledMessageCount);
    }
}
