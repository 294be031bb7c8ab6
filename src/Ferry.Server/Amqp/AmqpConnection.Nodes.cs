namespace Ferry.Server.Amqp;

internal sealed partial class AmqpConnection
{
    private readonly List<NodeReplyLink> _replyLinks = [];
    private readonly List<(string Path, DateTimeOffset Expires)> _tokens = [];

    public void RegisterReplyLink(NodeReplyLink link)
    {
        lock (_sync)
            _replyLinks.Add(link);
    }

    public void UnregisterReplyLink(NodeReplyLink link)
    {
        lock (_sync)
            _replyLinks.Remove(link);
    }

    /// <summary>
    /// The reply link a response goes to: the one whose target address equals reply-to ($management), else the one
    /// whose name does ($cbs, where the target has no address) — reference §2.3.
    /// </summary>
    public NodeReplyLink? FindReplyLink(string replyTo)
    {
        lock (_sync)
        {
            foreach (var link in _replyLinks)
            {
                if (link.TargetAddress == replyTo)
                    return link;
            }
            foreach (var link in _replyLinks)
            {
                if (link.Name == replyTo)
                    return link;
            }
        }
        return null;
    }

    /// <summary>Remembers a validated CBS token's audience for later attaches.</summary>
    public void AddToken(string audience, DateTimeOffset expires)
    {
        var path = SasTokenValidator.AudiencePath(audience);
        lock (_sync)
        {
            _tokens.RemoveAll(t => string.Equals(t.Path, path, StringComparison.OrdinalIgnoreCase));
            _tokens.Add((path, expires));
        }
    }

    /// <summary>
    /// True when SASL PLAIN proved a key, or a live CBS token covers <paramref name="address"/>: a namespace-wide
    /// token, one for the address itself, or one for a parent path (a token for <c>q</c> covers <c>q/$DeadLetterQueue</c>).
    /// </summary>
    public bool IsAuthorized(string address)
    {
        if (FullyAuthorized)
            return true;
        var now = _time.GetUtcNow();
        lock (_sync)
        {
            foreach (var (path, expires) in _tokens)
            {
                if (expires <= now)
                    continue;
                if (path.Length == 0 || string.Equals(path, address, StringComparison.OrdinalIgnoreCase))
                    return true;
                if (address.Length > path.Length && address[path.Length] == '/' && address.StartsWith(path, StringComparison.OrdinalIgnoreCase))
                    return true;
            }
        }
        return false;
    }
}
