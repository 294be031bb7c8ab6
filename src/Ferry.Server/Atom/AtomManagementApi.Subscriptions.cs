using Ferry.Broker;
using Ferry.Broker.Filters;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Atom;

internal sealed partial class AtomManagementApi
{
    private static readonly string[] SubscriptionDescriptions = ["SubscriptionDescription"];
    private static readonly string[] RuleDescriptions = ["RuleDescription"];

    private Task ListSubscriptionsAsync(HttpContext context, AtomPath path)
    {
        var topic = Topic(path.Entity);
        var subscriptions = topic.Subscriptions.OrderBy(SubscriptionName, StringComparer.OrdinalIgnoreCase).ToList();
        return FeedAsync(context, path, "Subscriptions", subscriptions, s => SubscriptionEntry(context.Request, topic, s));
    }

    private Task GetSubscriptionAsync(HttpContext context, AtomPath path)
    {
        var topic = Topic(path.Entity);
        var subscription = _broker.GetSubscription(topic.Name, path.Subscription);
        return AtomWriter.WriteAsync(context.Response, StatusCodes.Status200OK, AtomNames.EntryContentType, SubscriptionEntry(context.Request, topic, subscription));
    }

    /// <summary>
    /// PUT /{topic}/Subscriptions/{name}. On create, a DefaultRuleDescription in the body becomes the first rule instead
    /// of the <c>$Default</c> true filter; on update the rules are kept (they are managed under …/Rules/).
    /// </summary>
    private async Task PutSubscriptionAsync(HttpContext context, AtomPath path)
    {
        var update = IsUpdate(context.Request);
        var description = await AtomReader.ReadDescriptionAsync(context.Request, SubscriptionDescriptions, context.RequestAborted).ConfigureAwait(false);
        var topic = Topic(path.Entity);
        var ct = context.RequestAborted;
        QueueEntity subscription;
        if (update)
        {
            var existing = _broker.GetSubscription(topic.Name, path.Subscription);
            var (settings, _) = AtomReader.Subscription(description, existing.Settings);
            subscription = await _broker.UpdateSubscriptionAsync(topic.Name, SubscriptionName(existing), settings, EntityOrigin.Api, ct).ConfigureAwait(false);
        }
        else
        {
            var (settings, defaultRule) = AtomReader.Subscription(description, new QueueSettings());
            var now = _time.GetUtcNow();
            Rule[]? rules = defaultRule is null
                ? null
                : [AtomRules.Parse(defaultRule, RuleNameOf(defaultRule) ?? Rule.DefaultRuleName, now)];
            subscription = await _broker.CreateSubscriptionAsync(topic.Name, path.Subscription, settings, rules, EntityOrigin.Api, ct).ConfigureAwait(false);
        }
        await AtomWriter.WriteAsync(context.Response, PutStatus(update), AtomNames.EntryContentType, SubscriptionEntry(context.Request, topic, subscription))
            .ConfigureAwait(false);
    }

    private async Task DeleteSubscriptionAsync(HttpContext context, AtomPath path)
    {
        var topic = Topic(path.Entity);
        await _broker.DeleteSubscriptionAsync(topic.Name, path.Subscription, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentLength = 0;
    }

    private Task ListRulesAsync(HttpContext context, AtomPath path)
    {
        var subscription = _broker.GetSubscription(Topic(path.Entity).Name, path.Subscription);
        return FeedAsync(context, path, "Rules", subscription.Rules, r => RuleEntry(context.Request, subscription, r));
    }

    private Task GetRuleAsync(HttpContext context, AtomPath path)
    {
        var subscription = _broker.GetSubscription(Topic(path.Entity).Name, path.Subscription);
        var rule = FindRule(subscription, path.Rule) ?? throw RuleNotFound(subscription, path.Rule);
        return AtomWriter.WriteAsync(context.Response, StatusCodes.Status200OK, AtomNames.EntryContentType, RuleEntry(context.Request, subscription, rule));
    }

    /// <summary>
    /// PUT …/Rules/{name}: adds the rule; with If-Match: * replaces the rule of that name in place, in one commit.
    /// </summary>
    private async Task PutRuleAsync(HttpContext context, AtomPath path)
    {
        var update = IsUpdate(context.Request);
        var description = await AtomReader.ReadDescriptionAsync(context.Request, RuleDescriptions, context.RequestAborted).ConfigureAwait(false);
        var subscription = _broker.GetSubscription(Topic(path.Entity).Name, path.Subscription);
        var ct = context.RequestAborted;
        if (update)
        {
            var existing = FindRule(subscription, path.Rule) ?? throw RuleNotFound(subscription, path.Rule);
            var replacement = AtomRules.Parse(description, existing.Name, existing.CreatedAt);
            await _broker.ReplaceRuleAsync(subscription, existing.Name, replacement, ct).ConfigureAwait(false);
            await RuleEntryAsync(context, StatusCodes.Status200OK, subscription, replacement).ConfigureAwait(false);
            return;
        }
        var rule = AtomRules.Parse(description, path.Rule, _time.GetUtcNow());
        await _broker.AddRuleAsync(subscription, rule, ct).ConfigureAwait(false);
        await RuleEntryAsync(context, StatusCodes.Status201Created, subscription, rule).ConfigureAwait(false);
    }

    private async Task DeleteRuleAsync(HttpContext context, AtomPath path)
    {
        var subscription = _broker.GetSubscription(Topic(path.Entity).Name, path.Subscription);
        if (FindRule(subscription, path.Rule) is null)
            throw RuleNotFound(subscription, path.Rule);
        await _broker.RemoveRuleAsync(subscription, path.Rule, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentLength = 0;
    }

    private TopicEntity Topic(string name) => _broker.TryGetTopic(name, out var topic) ? topic : throw EntityNotFound(name);

    private System.Xml.Linq.XElement SubscriptionEntry(HttpRequest request, TopicEntity topic, QueueEntity subscription)
    {
        var name = SubscriptionName(subscription);
        return Entry(request, AtomPath.SubscriptionUrl(topic.Name, name), name, subscription.CreatedAt, subscription.UpdatedAt,
            AtomDescriptions.Subscription(subscription, _broker));
    }

    private Task RuleEntryAsync(HttpContext context, int status, QueueEntity subscription, Rule rule) =>
        AtomWriter.WriteAsync(context.Response, status, AtomNames.EntryContentType, RuleEntry(context.Request, subscription, rule));

    private System.Xml.Linq.XElement RuleEntry(HttpRequest request, QueueEntity subscription, Rule rule) =>
        Entry(request, AtomPath.RuleUrl(subscription.Topic!.Name, SubscriptionName(subscription), rule.Name), rule.Name, rule.CreatedAt, rule.CreatedAt,
            AtomRules.Describe(rule));

    /// <summary>A subscription entity is named <c>{topic}/Subscriptions/{name}</c>; subscription names hold no '/'.</summary>
    private static string SubscriptionName(QueueEntity subscription) => subscription.Name[(subscription.Name.LastIndexOf('/') + 1)..];

    private static Rule? FindRule(QueueEntity subscription, string name)
    {
        foreach (var rule in subscription.Rules)
        {
            if (string.Equals(rule.Name, name, StringComparison.OrdinalIgnoreCase))
                return rule;
        }
        return null;
    }

    private static string? RuleNameOf(System.Xml.Linq.XElement description)
    {
        foreach (var element in description.Elements())
        {
            if (element.Name.LocalName == "Name" && element.Value.Length > 0)
                return element.Value;
        }
        return null;
    }

    private AtomException RuleNotFound(QueueEntity subscription, string rule) =>
        AtomException.NotFound($"The rule '{rule}' could not be found on the messaging entity '{_broker.EntityAddress(subscription.Name)}'.");
}
