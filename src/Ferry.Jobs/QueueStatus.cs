namespace Ferry.Jobs;

/// <summary>A queue's message counts, as seed 000's <c>/api/admin/queue/status</c> reports them.</summary>
public sealed record QueueStatus(string Name, long ActiveMessages, long DeadLetterMessages, long ScheduledMessages);
