using Ferry.Broker.Filters;
using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    private Rule[] _rules = [];

    /// <summary>A subscription's rules (empty for a queue). Replaced as a whole on change, so readers need no lock.</summary>
    public IReadOnlyList<Rule> Rules => Volatile.Read(ref _rules);

    internal void SetRules(IEnumerable<Rule> rules) => Volatile.Write(ref _rules, [.. rules]);

    /// <summary>
    /// Evaluates this subscription's rules for a message sent to its topic (Azure semantics: the message is copied once
    /// if any rule matches; the actions of every matching rule apply). Returns whether it matched, the property changes
    /// of the actions, and the evaluation error if one failed.
    /// </summary>
    internal (bool Matched, Dictionary<string, object?>? Changes, string? Error) Evaluate(IFilterMessage? message)
    {
        var rules = Rules;
        var matched = false;
        Dictionary<string, object?>? changes = null;
        foreach (var rule in rules)
        {
            try
            {
                if (rule.Filter is TrueFilter)
                {
                    matched = true;
                }
                else if (rule.Filter is FalseFilter)
                {
                    continue;
                }
                else if (message is null)
                {
                    return (false, null, "The message carries no properties to evaluate the filter on.");
                }
                else if (rule.Match(message))
                {
                    matched = true;
                }
                else
                {
                    continue;
                }
                if (rule.Action is SqlRuleAction && message is not null)
                {
                    var modification = rule.Action.Apply(message);
                    foreach (var (key, value) in modification.SetProperties)
                        (changes ??= new(StringComparer.Ordinal))[key] = value;
                    foreach (var key in modification.RemovedProperties)
                        (changes ??= new(StringComparer.Ordinal))[key] = null;
                }
            }
            catch (FilterEvaluationException ex)
            {
                return (false, null, $"Rule '{rule.Name}' of '{Name}' failed: {ex.Message}");
            }
        }
        return (matched, changes, null);
    }

    /// <summary>Messages fanned out by the topic, already durable: index them and hand them to receivers.</summary>
    internal void AcceptFromTopic(List<MessageEntry> entries)
    {
        lock (_sync)
        {
            if (_closed)
                return;
            foreach (var entry in entries)
            {
                IndexNew(entry);
            }
            _accessedAt = _time.GetUtcNow();
            Pump(_main);
            Pump(_deadLetter);
        }
    }

    /// <summary>A new entry of this subscription for a topic message: TTL capped by the subscription's default.</summary>
    internal MessageEntry CreateEntryFromTopic(long sequenceNumber, IncomingMessage message, string messageId, DateTimeOffset now,
        DateTimeOffset? scheduled, Dictionary<string, object?>? changes, string? filterError)
    {
        var entry = NewEntry(sequenceNumber, message, messageId, now, scheduled, Settings);
        if (changes is not null)
        {
            var overlay = new MessageOverlay();
            overlay.Apply(changes);
            entry.Overlay = overlay;
        }
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
