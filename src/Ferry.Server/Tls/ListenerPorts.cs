using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Ferry.Server.Tls;

/// <summary>
/// Remembers each Kestrel listener by role so the bound port can be read back after start: Kestrel writes the port it
/// bound into <see cref="ListenOptions.EndPoint"/>, which is the only reliable answer when a port was 0 and several
/// listeners share one server (the address list has no roles).
/// </summary>
internal sealed class ListenerPorts
{
    private readonly Dictionary<string, (int Requested, ListenOptions? Listen)> _listeners = new(StringComparer.Ordinal);

    public const string Amqp = "AMQP";
    public const string Http = "HTTP";
    public const string Amqps = "AMQPS";
    public const string Https = "HTTPS";

    /// <summary>Wraps a listener's configuration so its options are recorded under <paramref name="role"/>.</summary>
    public Action<ListenOptions> Record(string role, int requestedPort, Action<ListenOptions> configure)
    {
        _listeners[role] = (requestedPort, null);
        return listen =>
        {
            _listeners[role] = (requestedPort, listen);
            configure(listen);
        };
    }

    /// <summary>The port bound for <paramref name="role"/>; -1 when that listener was not configured.</summary>
    public int Port(string role)
    {
        if (!_listeners.TryGetValue(role, out var listener))
            return TlsPorts.Disabled;
        if (listener.Requested != 0)
            return listener.Requested;
        return listener.Listen?.EndPoint is IPEndPoint endPoint && endPoint.Port != 0
            ? endPoint.Port
            : throw new InvalidOperationException($"The {role} listener has not bound a port yet.");
    }
}
