using System.Globalization;
using Amqp;
using Amqp.Framing;

namespace Ferry.Jobs;

/// <summary>
/// How pipelines look on the wire. Task messages go to a stage's queue with MessageId <c>{job}/{stage}/{task}</c>;
/// events go to the control queue with SessionId = job id: the start (<c>{job}/start</c>) and one final outcome per task
/// (<c>{job}/{stage}/{task}/done</c>, a success or a failure). Deterministic ids let duplicate detection drop a resend.
/// </summary>
internal static class PipelineMessages
{
    public const string JobProperty = "ferry-pipeline-job";
    public const string StageProperty = "ferry-stage";
    public const string TaskProperty = "ferry-task";
    public const string EventProperty = "ferry-pipeline-event";
    public const string Start = "start";
    public const string Done = "done";
    public const string Failed = "failed";

    public static string TaskId(string jobId, int stage, int task) =>
        string.Create(CultureInfo.InvariantCulture, $"{jobId}/{stage}/{task}");

    public static Message TaskMessage(string jobId, int stage, int task, string stageName, byte[] body)
    {
        var id = TaskId(jobId, stage, task);
        var message = JobMessages.Create(body, id, stageName);
        message.ApplicationProperties[JobProperty] = jobId;
        message.ApplicationProperties[StageProperty] = stage;
        message.ApplicationProperties[TaskProperty] = task;
        return message;
    }

    public static Message StartEvent(string jobId, byte[] input) => Event(jobId, jobId + "/start", Start, -1, -1, input);

    public static Message DoneEvent(string jobId, int stage, int task, byte[] result) =>
        Event(jobId, TaskId(jobId, stage, task) + "/done", Done, stage, task, result);

    public static Message FailedEvent(string jobId, int stage, int task, byte[] error) =>
        Event(jobId, TaskId(jobId, stage, task) + "/done", Failed, stage, task, error);

    private static Message Event(string jobId, string messageId, string kind, int stage, int task, byte[] body)
    {
        var message = new Message
        {
            BodySection = new Data { Binary = body },
            Properties = new Properties { MessageId = messageId, GroupId = jobId, ContentType = JobMessages.ContentType, Subject = kind },
            ApplicationProperties = new ApplicationProperties
            {
                [EventProperty] = kind,
                [StageProperty] = stage,
                [TaskProperty] = task,
            },
        };
        JobTelemetry.Inject(message); // the submit's or the task's span: the coordinator's step continues that trace
        return message;
    }
}
