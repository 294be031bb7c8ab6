namespace Ferry.Server.Atom;

/// <summary>What a management request path addresses.</summary>
internal enum AtomResource
{
    NamespaceInfo,
    QueueList,
    TopicList,

    /// <summary>A queue or a topic: <c>/{name}</c>, where the name may hold '/'.</summary>
    Entity,
    SubscriptionList,
    Subscription,
    RuleList,
    Rule,
}
