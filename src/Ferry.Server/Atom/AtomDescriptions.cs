using System.Xml;
using System.Xml.Linq;
using Ferry.Broker;
using static Ferry.Server.Atom.AtomNames;

namespace Ferry.Server.Atom;

/// <summary>
/// Queue, topic, subscription and namespace descriptions as Service Bus returns them: settings and runtime
/// properties in one element, in the order of Azure's own responses. Durations are ISO 8601
/// (<see cref="XmlConvert.ToString(TimeSpan)"/>), times UTC.
/// </summary>
/// <remarks>
/// <c>CountDetails</c> carries exactly one attribute, the <c>xmlns:d2p1</c> declaration of its children's namespace:
/// the JS client finds the counts' prefix from that single attribute and fails on any other. Settings Ferry accepts but
/// does not act on are reported with the value Azure's behaviour corresponds to: EnableBatchedOperations true,
/// EnablePartitioning and EnableExpress false, EntityAvailabilityStatus Available.
/// </remarks>
internal static class AtomDescriptions
{
    private const string CountsPrefix = "d2p1";

    public static XElement Queue(QueueEntity queue, FerryBroker broker)
    {
        var s = queue.Settings;
        var r = queue.GetRuntimeProperties();
        var description = Description("QueueDescription",
            Element("LockDuration", XmlConvert.ToString(s.LockDuration)),
            Element("MaxSizeInMegabytes", s.MaxSizeInMegabytes),
            Element("RequiresDuplicateDetection", s.RequiresDuplicateDetection),
            Element("RequiresSession", s.RequiresSession),
            Element("DefaultMessageTimeToLive", XmlConvert.ToString(s.DefaultMessageTimeToLive)),
            Element("DeadLetteringOnMessageExpiration", s.DeadLetteringOnMessageExpiration),
            Element("DuplicateDetectionHistoryTimeWindow", XmlConvert.ToString(s.DuplicateDetectionHistoryTimeWindow)),
            Element("MaxDeliveryCount", s.MaxDeliveryCount),
            Element("EnableBatchedOperations", true),
            Element("SizeInBytes", r.SizeInBytes),
            Element("MessageCount", r.TotalMessageCount),
            Element("IsAnonymousAccessible", false),
            Element("Status", s.Status.ToString()),
            Forward("ForwardTo", s.ForwardTo, broker),
            Element("CreatedAt", Date(r.CreatedAt)),
            Element("UpdatedAt", Date(r.UpdatedAt)),
            Element("AccessedAt", Date(r.AccessedAt)),
            Element("SupportOrdering", true),
            CountDetails(r.ActiveMessageCount, r.DeadLetterMessageCount, r.ScheduledMessageCount, r.TransferMessageCount, r.TransferDeadLetterMessageCount),
            Element("AutoDeleteOnIdle", XmlConvert.ToString(s.AutoDeleteOnIdle)),
            Element("EnablePartitioning", false),
            Element("EntityAvailabilityStatus", "Available"),
            Forward("ForwardDeadLetteredMessagesTo", s.ForwardDeadLetteredMessagesTo, broker),
            Element("EnableExpress", false),
            Metadata(s.UserMetadata),
            Element("MaxMessageSizeInKilobytes", s.MaxMessageSizeInKilobytes));
        return description;
    }

    /// <remarks>A topic's counts and size are its subscriptions' together; it holds no messages of its own.</remarks>
    public static XElement Topic(TopicEntity topic)
    {
        var s = topic.Settings;
        long size = 0, scheduled = 0;
        var accessed = topic.UpdatedAt;
        var subscriptions = topic.Subscriptions;
        foreach (var subscription in subscriptions)
        {
            var r = subscription.GetRuntimeProperties();
            size += r.SizeInBytes;
            scheduled += r.ScheduledMessageCount;
            if (r.AccessedAt > accessed)
                accessed = r.AccessedAt;
        }
        return Description("TopicDescription",
            Element("DefaultMessageTimeToLive", XmlConvert.ToString(s.DefaultMessageTimeToLive)),
            Element("MaxSizeInMegabytes", s.MaxSizeInMegabytes),
            Element("RequiresDuplicateDetection", s.RequiresDuplicateDetection),
            Element("DuplicateDetectionHistoryTimeWindow", XmlConvert.ToString(s.DuplicateDetectionHistoryTimeWindow)),
            Element("EnableBatchedOperations", true),
            Element("SizeInBytes", size),
            Element("FilteringMessagesBeforePublishing", false),
            Element("IsAnonymousAccessible", false),
            Element("Status", s.Status.ToString()),
            Metadata(s.UserMetadata),
            Element("CreatedAt", Date(topic.CreatedAt)),
            Element("UpdatedAt", Date(topic.UpdatedAt)),
            Element("AccessedAt", Date(accessed)),
            Element("SupportOrdering", s.SupportOrdering),
            CountDetails(0, 0, scheduled, 0, 0),
            Element("SubscriptionCount", subscriptions.Count),
            Element("AutoDeleteOnIdle", XmlConvert.ToString(TimeSpan.MaxValue)),
            Element("EnablePartitioning", false),
            Element("IsExpress", false),
            Element("EntityAvailabilityStatus", "Available"),
            Element("EnableExpress", false),
            Element("MaxMessageSizeInKilobytes", s.MaxMessageSizeInKilobytes));
    }

    public static XElement Subscription(QueueEntity subscription, FerryBroker broker)
    {
        var s = subscription.Settings;
        var r = subscription.GetRuntimeProperties();
        return Description("SubscriptionDescription",
            Element("LockDuration", XmlConvert.ToString(s.LockDuration)),
            Element("RequiresSession", s.RequiresSession),
            Element("DefaultMessageTimeToLive", XmlConvert.ToString(s.DefaultMessageTimeToLive)),
            Element("DeadLetteringOnMessageExpiration", s.DeadLetteringOnMessageExpiration),
            Element("DeadLetteringOnFilterEvaluationExceptions", s.DeadLetteringOnFilterEvaluationExceptions),
            Element("MessageCount", r.TotalMessageCount),
            Element("MaxDeliveryCount", s.MaxDeliveryCount),
            Element("EnableBatchedOperations", true),
            Element("Status", s.Status.ToString()),
            Forward("ForwardTo", s.ForwardTo, broker),
            Element("CreatedAt", Date(r.CreatedAt)),
            Element("UpdatedAt", Date(r.UpdatedAt)),
            Element("AccessedAt", Date(r.AccessedAt)),
            CountDetails(r.ActiveMessageCount, r.DeadLetterMessageCount, r.ScheduledMessageCount, r.TransferMessageCount, r.TransferDeadLetterMessageCount),
            Metadata(s.UserMetadata),
            Forward("ForwardDeadLetteredMessagesTo", s.ForwardDeadLetteredMessagesTo, broker),
            Element("AutoDeleteOnIdle", XmlConvert.ToString(s.AutoDeleteOnIdle)),
            Element("EntityAvailabilityStatus", "Available"));
    }

    /// <remarks>
    /// Ferry has no tiers; it reports Premium (one messaging unit) because it has Premium's features: large messages,
    /// sessions, topics, duplicate detection.
    /// </remarks>
    public static XElement Namespace(string name, DateTimeOffset createdAt) =>
        Description("NamespaceInfo",
            Element("CreatedTime", Date(createdAt)),
            Element("MessagingSKU", "Premium"),
            Element("MessagingUnits", 1),
            Element("ModifiedTime", Date(createdAt)),
            Element("Name", name),
            Element("NamespaceType", "Messaging"));

    /// <summary>A description root in the Service Bus namespace (default) with the <c>i</c> prefix for XML Schema instance.</summary>
    public static XElement Description(string name, params object?[] content) =>
        new(ServiceBus + name, new XAttribute(XNamespace.Xmlns + "i", Instance), content);

    private static XElement CountDetails(long active, long deadLetter, long scheduled, long transfer, long transferDeadLetter) =>
        Element("CountDetails",
            new object[]
            {
                new XAttribute(XNamespace.Xmlns + CountsPrefix, Counts),
                new XElement(Counts + "ActiveMessageCount", active),
                new XElement(Counts + "DeadLetterMessageCount", deadLetter),
                new XElement(Counts + "ScheduledMessageCount", scheduled),
                new XElement(Counts + "TransferMessageCount", transfer),
                new XElement(Counts + "TransferDeadLetterMessageCount", transferDeadLetter),
            });

    /// <summary>A forwarding target as Azure reports it, the absolute <c>sb://host/entity</c> address; nothing when unset.</summary>
    private static XElement? Forward(string name, string? target, FerryBroker broker) =>
        string.IsNullOrEmpty(target) ? null : Element(name, broker.EntityAddress(target));

    private static XElement? Metadata(string? value) => value is null ? null : Element("UserMetadata", value);
}
