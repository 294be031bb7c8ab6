namespace Ferry.Broker;

public sealed partial class FerryBroker
{
    /// <summary>
    /// Refuses a ForwardTo that would send messages back to where they came from: from <paramref name="forwardTo"/> the
    /// forwarding graph (queues' ForwardTo, and a topic's subscriptions' ForwardTo) must not reach <paramref name="origin"/>
    /// (the queue itself, or a subscription's topic).
    /// </summary>
    /// <exception cref="BrokerException">InvalidArgument naming the cycle.</exception>
    private void RefuseForwardingCycle(string origin, string? forwardTo)
    {
        if (string.IsNullOrEmpty(forwardTo))
            return;
        var visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<(string Name, string Path)>();
        pending.Enqueue((forwardTo, $"{origin} → {forwardTo}"));
        while (pending.TryDequeue(out var next))
        {
            if (string.Equals(next.Name, origin, StringComparison.OrdinalIgnoreCase))
            {
                throw new BrokerException(BrokerErrorCode.InvalidArgument,
                    $"ForwardTo '{forwardTo}' would create a forwarding cycle: {next.Path}.");
            }
            if (!visited.Add(next.Name))
                continue;
            if (TryGetQueue(next.Name, out var queue) && !string.IsNullOrEmpty(queue.Settings.ForwardTo))
            {
                pending.Enqueue((queue.Settings.ForwardTo, $"{next.Path} → {queue.Settings.ForwardTo}"));
            }
            else if (TryGetTopic(next.Name, out var topic))
            {
                foreach (var subscription in topic.Subscriptions)
                {
                    if (!string.IsNullOrEmpty(subscription.Settings.ForwardTo))
                        pending.Enqueue((subscription.Settings.ForwardTo, $"{next.Path} → {subscription.Name} → {subscription.Settings.ForwardTo}"));
                }
            }
        }
    }
}
