using System.Collections.Concurrent;
using Ferry.Broker.Filters;
using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class FerryBroker
{
    private const string SubscriptionsSegment = "/subscriptions/";

    /// <summary>Longest subscription name Azure allows.</summary>
    public const int MaxSubscriptionNameLength = 50;

    private readonly ConcurrentDictionary<string, TopicEntity> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, QueueEntity> _subscriptions = new(StringComparer.Ordinal);

    /// <summary>Every topic, in no particular order.</summary>
    public IReadOnlyCollection<TopicEntity> Topics => (IReadOnlyCollection<TopicEntity>)_topics.Values;

    public bool TryGetTopic(string name, out TopicEntity topic) => _topics.TryGetValue(EntityNames.Key(name), out topic!);

    /// <exception cref="BrokerException">EntityNotFound.</exception>
    public TopicEntity GetTopic(string name) =>
        TryGetTopic(name, out var topic) ? topic : throw BrokerException.NotFound(EntityAddress(name));

    /// <summary>The entity a sender attaches to: a queue or a topic (case-insensitive).</summary>
    public bool TryGetSendTarget(string name, out ISendTarget target)
    {
        if (TryGetQueue(name, out var queue))
        {
            target = queue;
            return true;
        }
        if (TryGetTopic(name, out var topic))
        {
            target = topic;
            return true;
        }
        target = null!;
        return false;
    }

    /// <summary>A subscription by topic and subscription name (case-insensitive).</summary>
    /// <exception cref="BrokerException">EntityNotFound.</exception>
    public QueueEntity GetSubscription(string topicName, string subscriptionName) =>
        _subscriptions.TryGetValue(SubscriptionKey(topicName, subscriptionName), out var subscription)
            ? subscription
            : throw BrokerException.NotFound(EntityAddress($"{topicName}/Subscriptions/{subscriptionName}"));

    private static string SubscriptionKey(string topicName, string subscriptionName) =>
        EntityNames.Key(topicName) + SubscriptionsSegment + EntityNames.Key(subscriptionName);

    /// <summary>Creates a topic; durable when the task completes.</summary>
    /// <exception cref="BrokerException">InvalidArgument, EntityAlreadyExists.</exception>
    public async Task<TopicEntity> CreateTopicAsync(string name, TopicSettings settings, EntityOrigin origin = EntityOrigin.Api,
        CancellationToken cancellationToken = default)
    {
        if (EntityNames.Validate(name) is { } nameError)
            throw new BrokerException(BrokerErrorCode.InvalidArgument, $"The entity name '{name}' is invalid: {nameError}");
        if (settings.Validate() is { } problem)
            throw new BrokerException(BrokerErrorCode.InvalidArgument, problem.Message);
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var key = EntityNames.Key(name);
            if (_queues.ContainsKey(key) || _topics.ContainsKey(key))
                throw new BrokerException(BrokerErrorCode.EntityAlreadyExists, $"The messaging entity '{EntityAddress(name)}' already exists.");
            var now = _time.GetUtcNow();
            var topic = new TopicEntity(name, settings, origin, now, now, _store, _time);
            await _store.CommitAsync(new WriteBatch(1).PutEntity(topic.ToStored()), cancellationToken).ConfigureAwait(false);
            _topics[key] = topic;
            return topic;
        }
        finally
        {
            _entityGate.Release();
        }
    }

    /// <summary>Replaces a topic's settings; durable when the task completes.</summary>
    public async Task<TopicEntity> UpdateTopicAsync(string name, TopicSettings settings, EntityOrigin origin = EntityOrigin.Api,
        CancellationToken cancellationToken = default)
    {
        if (settings.Validate() is { } problem)
            throw new BrokerException(BrokerErrorCode.InvalidArgument, problem.Message);
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var topic = GetTopic(name);
            topic.UpdateSettings(settings, origin, _time.GetUtcNow());
            await _store.CommitAsync(new WriteBatch(1).PutEntity(topic.ToStored()), cancellationToken).ConfigureAwait(false);
            return topic;
        }
        finally
        {
            _entityGate.Release();
        }
    }

    /// <summary>Deletes a topic with all its subscriptions and their messages.</summary>
    public async Task DeleteTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var topic = GetTopic(name);
            _topics.TryRemove(topic.Key, out _);
            topic.Close();
            var batch = new WriteBatch();
            foreach (var subscription in topic.Subscriptions)
            {
                _subscriptions.TryRemove(subscription.Key, out _);
                subscription.Close(BrokerException.NotFound(EntityAddress(subscription.Name)));
                batch.DeleteEntity(subscription.Key);
            }
            batch.DeleteEntity(topic.Key);
            await _store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _entityGate.Release();
        }
    }

    /// <summary>
    /// Creates a subscription with its rules (the <c>$Default</c> true-filter rule when none are given); durable when the
    /// task completes.
    /// </summary>
    /// <exception cref="BrokerException">EntityNotFound (topic), InvalidArgument, EntityAlreadyExists.</exception>
    public async Task<QueueEntity> CreateSubscriptionAsync(string topicName, string subscriptionName, QueueSettings settings,
        IEnumerable<Rule>? rules = null, EntityOrigin origin = EntityOrigin.Api, CancellationToken cancellationToken = default)
    {
        if (ValidateSubscriptionName(subscriptionName) is { } nameError)
            throw new BrokerException(BrokerErrorCode.InvalidArgument, $"The subscription name '{subscriptionName}' is invalid: {nameError}");
        if (settings.Validate() is { } problem)
            throw new BrokerException(BrokerErrorCode.InvalidArgument, problem.Message);
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var topic = GetTopic(topicName);
            var key = SubscriptionKey(topic.Name, subscriptionName);
            var name = $"{topic.Name}/Subscriptions/{subscriptionName}";
            if (_subscriptions.ContainsKey(key))
                throw new BrokerException(BrokerErrorCode.EntityAlreadyExists, $"The messaging entity '{EntityAddress(name)}' already exists.");
            RefuseForwardingCycle(topic.Name, settings.ForwardTo);
            var now = _time.GetUtcNow();
            var subscription = new QueueEntity(name, settings, origin, now, now, _store, _time, _logger, topic) { ForwardResolver = ResolveForward, Bodies = _bodies };
            var initial = rules?.ToList() ?? [];
            subscription.SetRules(initial.Count > 0 ? initial : [Rule.CreateDefault(now)]);
            await _store.CommitAsync(new WriteBatch(1).PutEntity(subscription.ToStored()), cancellationToken).ConfigureAwait(false);
            _subscriptions[key] = subscription;
            topic.AddSubscription(subscription);
            return subscription;
        }
        finally
        {
            _entityGate.Release();
        }
    }

    /// <summary>Replaces a subscription's settings (not its rules); durable when the task completes.</summary>
    public async Task<QueueEntity> UpdateSubscriptionAsync(string topicName, string subscriptionName, QueueSettings settings,
        EntityOrigin origin = EntityOrigin.Api, CancellationToken cancellationToken = default)
    {
        if (settings.Validate() is { } problem)
            throw new BrokerException(BrokerErrorCode.InvalidArgument, problem.Message);
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var subscription = GetSubscription(topicName, subscriptionName);
            RefuseForwardingCycle(subscription.Topic!.Name, settings.ForwardTo);
            if (subscription.Settings.RequiresSession != settings.RequiresSession)
                throw new BrokerException(BrokerErrorCode.InvalidArgument, $"RequiresSession cannot be changed on the existing subscription '{subscription.Name}'.");
            subscription.UpdateSettings(settings, origin, _time.GetUtcNow());
            await _store.CommitAsync(new WriteBatch(1).PutEntity(subscription.ToStored()), cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        finally
        {
            _entityGate.Release();
        }
    }

    /// <summary>Deletes a subscription and its messages.</summary>
    public async Task DeleteSubscriptionAsync(string topicName, string subscriptionName, CancellationToken cancellationToken = default)
    {
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var subscription = GetSubscription(topicName, subscriptionName);
            _subscriptions.TryRemove(subscription.Key, out _);
            subscription.Topic!.RemoveSubscription(subscription);
            subscription.Close(BrokerException.NotFound(EntityAddress(subscription.Name)));
            await _store.CommitAsync(new WriteBatch(1).DeleteEntity(subscription.Key), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _entityGate.Release();
        }
    }

    /// <summary>Adds a rule to a subscription; durable when the task completes.</summary>
    /// <exception cref="BrokerException">EntityAlreadyExists when a rule of that name exists (names are case-insensitive).</exception>
    public async Task AddRuleAsync(QueueEntity subscription, Rule rule, CancellationToken cancellationToken = default)
    {
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var existing in subscription.Rules)
            {
                if (string.Equals(existing.Name, rule.Name, StringComparison.OrdinalIgnoreCase))
                    throw new BrokerException(BrokerErrorCode.EntityAlreadyExists, $"The rule '{rule.Name}' already exists on '{subscription.Name}'.");
            }
            subscription.SetRules([.. subscription.Rules, rule]);
            await _store.CommitAsync(new WriteBatch(1).PutEntity(subscription.ToStored()), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _entityGate.Release();
        }
    }

    /// <summary>
    /// Replaces the subscription's rule <paramref name="ruleName"/> (case-insensitive) with <paramref name="rule"/>, which
    /// may have another name, in its place, in one commit: every message is matched by the old rule or the new one,
    /// never by neither. Durable when the task completes; if the commit fails the old rule stays.
    /// </summary>
    /// <exception cref="BrokerException">MessageNotFound when no rule has that name; EntityAlreadyExists when the new
    /// name is another rule's.</exception>
    public async Task ReplaceRuleAsync(QueueEntity subscription, string ruleName, Rule rule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rules = subscription.Rules;
            var replaced = rules.ToArray();
            var at = Array.FindIndex(replaced, r => string.Equals(r.Name, ruleName, StringComparison.OrdinalIgnoreCase));
            if (at < 0)
                throw new BrokerException(BrokerErrorCode.MessageNotFound, $"The rule '{ruleName}' could not be found on '{subscription.Name}'.");
            var clash = Array.FindIndex(replaced, r => string.Equals(r.Name, rule.Name, StringComparison.OrdinalIgnoreCase));
            if (clash >= 0 && clash != at)
                throw new BrokerException(BrokerErrorCode.EntityAlreadyExists, $"The rule '{rule.Name}' already exists on '{subscription.Name}'.");
            replaced[at] = rule;
            subscription.SetRules(replaced);
            try
            {
                await _store.CommitAsync(new WriteBatch(1).PutEntity(subscription.ToStored()), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                subscription.SetRules(rules);
                throw;
            }
        }
        finally
        {
            _entityGate.Release();
        }
    }

    /// <summary>Removes a rule from a subscription; durable when the task completes.</summary>
    /// <exception cref="BrokerException">MessageNotFound when no rule has that name.</exception>
    public async Task RemoveRuleAsync(QueueEntity subscription, string ruleName, CancellationToken cancellationToken = default)
    {
        await _entityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rules = subscription.Rules;
            var kept = rules.Where(r => !string.Equals(r.Name, ruleName, StringComparison.OrdinalIgnoreCase)).ToArray();
            if (kept.Length == rules.Count)
                throw new BrokerException(BrokerErrorCode.MessageNotFound, $"The rule '{ruleName}' could not be found on '{subscription.Name}'.");
            subscription.SetRules(kept);
            await _store.CommitAsync(new WriteBatch(1).PutEntity(subscription.ToStored()), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _entityGate.Release();
        }
    }

    /// <summary>Creates the topic, or updates it while its settings still come from the config file.</summary>
    public async Task<TopicEntity> ApplyConfigTopicAsync(string name, TopicSettings settings, CancellationToken cancellationToken = default)
    {
        if (!TryGetTopic(name, out var existing))
            return await CreateTopicAsync(name, settings, EntityOrigin.Config, cancellationToken).ConfigureAwait(false);
        if (existing.Origin == EntityOrigin.Api || existing.Settings == settings)
            return existing;
        return await UpdateTopicAsync(name, settings, EntityOrigin.Config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the subscription with its rules if missing; updates its settings while they come from the config file.</summary>
    public async Task<QueueEntity> ApplyConfigSubscriptionAsync(string topicName, string subscriptionName, QueueSettings settings,
        IReadOnlyList<Rule> rules, CancellationToken cancellationToken = default)
    {
        if (!_subscriptions.TryGetValue(SubscriptionKey(topicName, subscriptionName), out var existing))
            return await CreateSubscriptionAsync(topicName, subscriptionName, settings, rules, EntityOrigin.Config, cancellationToken).ConfigureAwait(false);
        if (existing.Origin == EntityOrigin.Api || existing.Settings == settings)
            return existing;
        return await UpdateSubscriptionAsync(topicName, subscriptionName, settings, EntityOrigin.Config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Null when valid: 1–50 characters of letters, digits, '.', '-', '_', starting and ending alphanumeric.</summary>
    public static string? ValidateSubscriptionName(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return "the name is empty.";
        if (name.Length > MaxSubscriptionNameLength)
            return $"the name is {name.Length} characters long; at most {MaxSubscriptionNameLength} are allowed.";
        if (name.Contains('/', StringComparison.Ordinal))
            return "the character '/' is not allowed in a subscription name.";
        return EntityNames.Validate(name);
    }
}
