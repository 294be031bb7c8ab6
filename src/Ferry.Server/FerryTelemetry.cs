using System.Diagnostics;
using System.Diagnostics.Metrics;
using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Server.Amqp;

namespace Ferry.Server;

/// <summary>
/// Ferry's OpenTelemetry surface: the <c>Ferry</c> <see cref="ActivitySource"/> (a span per accepted send and per delivery,
/// both children of the trace context the client put in the message's <c>Diagnostic-Id</c> or <c>traceparent</c>
/// application property, so a send and the deliveries it causes share one trace) and the <c>Ferry</c> meter (per-entity
/// message counters and gauges, open links). Nothing is read from a message unless a listener samples the source.
/// </summary>
public static class FerryTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Ferry";

    private const string DiagnosticId = "Diagnostic-Id";
    private const string TraceParent = "traceparent";

    internal static readonly ActivitySource Source = new(Name, typeof(FerryTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Starts the span of one accepted transfer (a message or a batch) to <paramref name="entity"/>; null when nobody listens.</summary>
    internal static Activity? StartSend(string entity, IReadOnlyList<IncomingMessage> messages)
    {
        if (!Source.HasListeners() || messages.Count == 0)
            return null;
        var parent = default(ActivityContext);
        List<ActivityLink>? links = null;
        foreach (var message in messages)
        {
            var context = TraceContext(message.Body.Span, MessageSections.Scan(message.Body.Span));
            if (context == default)
                continue;
            if (parent == default)
                parent = context;
            if (messages.Count > 1)
                (links ??= []).Add(new ActivityLink(context));
        }
        var activity = Source.StartActivity(ActivityKind.Server, parent, links: links, name: $"send {entity}");
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "servicebus");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", entity);
            if (messages.Count == 1)
                activity.SetTag("messaging.message.id", messages[0].MessageId);
            else
                activity.SetTag("messaging.batch.message_count", messages.Count);
        }
        return activity;
    }

    /// <summary>Records the span of one delivery from <paramref name="entity"/> to a receiver.</summary>
    internal static void Delivered(string entity, BrokerMessage message, ReadOnlySpan<byte> body, in MessageSections sections)
    {
        if (!Source.HasListeners())
            return;
        using var activity = Source.StartActivity(ActivityKind.Producer, TraceContext(body, sections), name: $"deliver {entity}");
        if (activity is not { IsAllDataRequested: true })
            return;
        activity.SetTag("messaging.system", "servicebus");
        activity.SetTag("messaging.operation.type", "deliver");
        activity.SetTag("messaging.destination.name", entity);
        activity.SetTag("messaging.message.id", message.MessageId);
        activity.SetTag("messaging.servicebus.sequence_number", message.SequenceNumber);
        activity.SetTag("messaging.servicebus.message.delivery_count", message.DeliveryCount + 1); // this attempt, as the SDKs count
    }

    /// <summary>The W3C trace context in the message's <c>Diagnostic-Id</c> (the SDKs) or <c>traceparent</c> property, or default.</summary>
    internal static ActivityContext TraceContext(ReadOnlySpan<byte> encoded, in MessageSections sections)
    {
        if (!sections.ApplicationProperties.IsPresent)
            return default;
        AmqpMap properties;
        try
        {
            properties = MapSection.Decode(sections.ApplicationProperties.Slice(encoded));
        }
        catch (AmqpDecodeException)
        {
            return default;
        }
        foreach (var (key, value) in properties)
        {
            if (key is string name && (name == DiagnosticId || name == TraceParent) && value is string text
                && ActivityContext.TryParse(text, null, isRemote: true, out var context))
                return context;
        }
        return default;
    }

    /// <summary>
    /// Publishes the broker's counters and gauges on a <c>Ferry</c> meter of <paramref name="factory"/> (so several servers in
    /// one process stay apart): per entity (queues and subscriptions, tag <c>messaging.destination.name</c>) messages sent,
    /// received, completed, abandoned, dead-lettered, expired, lock expiries, and active/dead-letter/scheduled counts; open
    /// links per kind.
    /// </summary>
    internal static Meter CreateMeter(IMeterFactory factory, FerryBroker broker, LinkStatistics links)
    {
        var meter = factory.Create(Name);
        Counter(meter, broker, "ferry.messages.sent", "Messages stored by sends.", q => q.MessagesSent);
        Counter(meter, broker, "ferry.messages.received", "Messages delivered to receivers.", q => q.MessagesReceived);
        Counter(meter, broker, "ferry.messages.completed", "Messages completed.", q => q.MessagesCompleted);
        Counter(meter, broker, "ferry.messages.abandoned", "Messages abandoned.", q => q.MessagesAbandoned);
        Counter(meter, broker, "ferry.messages.dead_lettered", "Messages moved to the dead-letter queue.", q => q.MessagesDeadLettered);
        Counter(meter, broker, "ferry.messages.expired", "Messages whose time-to-live ran out.", q => q.MessagesExpired);
        Counter(meter, broker, "ferry.locks.expired", "Locks that expired without a settlement.", q => q.LockExpiries);
        Gauge(meter, broker, "ferry.messages.active", "Active messages.", q => q.GetRuntimeProperties().ActiveMessageCount);
        Gauge(meter, broker, "ferry.messages.dead_letter", "Messages in the dead-letter queue.", q => q.GetRuntimeProperties().DeadLetterMessageCount);
        Gauge(meter, broker, "ferry.messages.scheduled", "Scheduled messages.", q => q.GetRuntimeProperties().ScheduledMessageCount);
        meter.CreateObservableUpDownCounter("ferry.links.open", () => new Measurement<long>[]
        {
            new(links.Open(LinkKind.Send), new KeyValuePair<string, object?>("kind", "send")),
            new(links.Open(LinkKind.Receive), new KeyValuePair<string, object?>("kind", "receive")),
            new(links.Open(LinkKind.Control), new KeyValuePair<string, object?>("kind", "control")),
        }, "{link}", "Open AMQP links per kind.");
        return meter;
    }

    private static void Counter(Meter meter, FerryBroker broker, string name, string description, Func<QueueEntity, long> value) =>
        meter.CreateObservableCounter(name, () => Measure(broker, value), "{message}", description);

    private static void Gauge(Meter meter, FerryBroker broker, string name, string description, Func<QueueEntity, long> value) =>
        meter.CreateObservableGauge(name, () => Measure(broker, value), "{message}", description);

    private static IEnumerable<Measurement<long>> Measure(FerryBroker broker, Func<QueueEntity, long> value)
    {
        foreach (var queue in broker.Queues)
            yield return new Measurement<long>(value(queue), new KeyValuePair<string, object?>("messaging.destination.name", queue.Name));
        foreach (var topic in broker.Topics)
        {
            foreach (var subscription in topic.Subscriptions)
                yield return new Measurement<long>(value(subscription), new KeyValuePair<string, object?>("messaging.destination.name", subscription.Name));
        }
    }
}
