namespace Ferry.Filters.Tests;

/// <summary>The message most tests filter: every system property set, and application properties of every type.</summary>
internal static class Messages
{
    public static readonly DateTime When = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTimeOffset Enqueued = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly Guid Id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    public static FilterMessage Sample() => new(new Dictionary<string, object?>
    {
        ["color"] = "red",
        ["quantity"] = 10,
        ["price"] = 2.5,
        ["big"] = 5_000_000_000L,
        ["flag"] = true,
        ["nothing"] = null,
        ["id"] = Id,
        ["when"] = When,
        ["whenOffset"] = new DateTimeOffset(2024, 1, 1, 2, 0, 0, TimeSpan.FromHours(2)),
        ["span"] = TimeSpan.FromMinutes(5),
        ["u"] = 7u,
        ["ul"] = ulong.MaxValue,
        ["dec"] = 1.25m,
        ["f"] = 1.5f,
        ["b"] = (byte)3,
        ["s"] = (short)-4,
        ["ch"] = 'x',
        ["name with space"] = "x",
        ["HR-EmployeeID"] = 42,
        ["Mixed"] = "case",
        ["pct"] = "50%",
        ["bin"] = new byte[] { 1, 2 },
        ["priority"] = "high",
    })
    {
        MessageId = "m-1",
        CorrelationId = "corr",
        Subject = "bus label",
        To = "to-addr",
        ReplyTo = "reply",
        SessionId = "s1",
        ReplyToSessionId = "rs1",
        ContentType = "application/json",
        PartitionKey = "pk",
        SequenceNumber = 42,
        EnqueuedTime = Enqueued,
        ScheduledEnqueueTime = null,
        ExpiresAt = Enqueued.AddDays(1),
        TimeToLive = TimeSpan.FromDays(1),
        DeliveryCount = 3,
        Size = 1234,
    };

    public static bool? Evaluate(string expression, IFilterMessage? message = null, IReadOnlyDictionary<string, object?>? parameters = null) =>
        new SqlFilter(expression, parameters).Evaluate(message ?? Sample());
}
