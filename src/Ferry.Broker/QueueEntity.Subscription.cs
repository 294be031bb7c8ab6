using Ferry.Broker.Filters;
using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    private Rule[] _rules = [];

    /// <summary>A subscription's rules (empty for a queue). Replaced as a whole on change, so readers need no lock.</summary>
    public IReadOnlyList<Rule> Rules => Volatile.Read(ref _rules);

    internal void SetRules(IEnumerable<Rule> rules) => Volatile.Write(ref _rules, [.. rules]);

    /// <summary>The application property naming the rule whose action made a subscription's copy (Azure's <c>RuleName</c>).</summary>
    internal const string RuleNameProperty = "RuleName";

    /// <summary>
    /// Evaluates this subscription's rules for a message sent to its topic, with Azure's semantics: the rules without
    /// an action are OR-ed and yield one copy (<c>Matched</c>) however many of them match; each matching rule with an
    /// action yields a copy of its own, changed by that action alone (<c>ActionCopies</c>, in rule order). Returns the
    /// evaluation error instead if a filter or action failed.
    /// </summary>
    internal (bool Matched, List<(string RuleName, MessageModification Modification)>? ActionCopies, string? Error) Evaluate(
        IFilterMessage? message)
    {
        var rules = Rules;
        var matched = false;
        List<(string, MessageModification)>? copies = null;
        foreach (var rule in rules)
        {
            try
            {
                if (rule.Filter is FalseFilter)
                    continue;
                if (rule.Filter is not TrueFilter)
                {
                    if (message is null)
                        return (false, null, "The message carries no properties to evaluate the filter on.");
                    if (!rule.Match(message))
                        continue;
                }
                if (rule.Action is EmptyRuleAction)
                {
                    matched = true;
                }
                else
                {
                    if (message is null)
                        return (false, null, "The message carries no properties to run the rule action on.");
                    (copies ??= []).Add((rule.Name, rule.Action.Apply(message)));
                }
            }
            catch (FilterEvaluationException ex)
            {
                return (false, null, $"Rule '{rule.Name}' of '{Name}' failed: {ex.Message}");
            }
        }
        return (matched, copies, null);
    }

    /// <summary>
    /// The copy a rule with an action makes of a topic message: the action's changes (and <c>RuleName</c>) go into the
    /// copy's overlay, on top of any it carried in (a forwarded message); the system properties the broker acts on
    /// (message id, session id, time-to-live, schedule) take the action's values; and the filter view shows the
    /// changed message, so a topic this copy is forwarded to filters on what its receivers will see.
    /// </summary>
    internal static IncomingMessage CopyForRule(IncomingMessage message, string messageId, string ruleName, MessageModification modification,
        DateTimeOffset now)
    {
        var overlay = message.Overlay?.Clone() ?? new MessageOverlay();
        overlay.Apply(modification);
        overlay.Set(RuleNameProperty, ruleName);
        var system = modification.SetSystemProperties;
        var sessionId = system.TryGetValue(SystemProperty.SessionId, out var session) ? (string?)session : message.SessionId;
        var ttl = system.TryGetValue(SystemProperty.TimeToLive, out var t) ? (TimeSpan?)t : message.TimeToLive;
        var scheduled = message.ScheduledEnqueueTime;
        if (system.TryGetValue(SystemProperty.ScheduledEnqueueTimeUtc, out var at))
            scheduled = at is DateTimeOffset time && time > now ? time : null;
        FilterMessage? view = null;
        if (message.FilterView is { } original)
        {
            view = modification.ApplyTo(original);
            view.Properties[RuleNameProperty] = ruleName;
        }
        return new IncomingMessage
        {
            Body = message.Body,
            MessageId = system.TryGetValue(SystemProperty.MessageId, out var id) && id is string newId ? newId : messageId,
            SessionId = sessionId,
            TimeToLive = ttl is { } span && span < TimeSpan.MaxValue ? span : null,
            ScheduledEnqueueTime = scheduled,
            FilterView = view,
            Overlay = overlay,
            ForwardHops = message.ForwardHops,
        };
    }

    /// <summary>Messages fanned out by the topic, already durable: index them and hand them to receivers.</summary>
    internal void AcceptFromTopic(List<MessageEntry> entries)
    {
        lock (_sync)
        {
            if (_closed)
                return;
            try
            {
                foreach (var entry in entries)
                {
                    IndexNew(entry);
                }
                _accessedAt = _time.GetUtcNow();
                Pump(_main);
                Pump(_deadLetter);
            }
            finally
            {
                DropPassBodies();
            }
        }
    }

    /// <summary>A new entry of this subscription for a topic message: TTL capped by the subscription's default.</summary>
    /// <remarks>A rule's copy comes from <see cref="CopyForRule"/>, which put the action's changes in its overlay.</remarks>
    internal MessageEntry CreateEntryFromTopic(long sequenceNumber, IncomingMessage message, DateTimeOffset now, string? filterError)
    {
        var entry = NewEntry(sequenceNumber, message, message.MessageId!, now, message.ScheduledEnqueueTime, Settings);
        if (filterError is not null)
        {
            entry.Overlay = DeadLetterOverlay(entry.Overlay, DeadLetterReasons.FilterEvaluationFailed, filterError, null);
            entry.SubQueue = SubQueue.DeadLetter;
            entry.State = MessageState.Active;
            entry.ScheduledEnqueueTime = null;
        }
        return entry;
    }
}
