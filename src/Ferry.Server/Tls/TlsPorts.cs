namespace Ferry.Server.Tls;

/// <summary>
/// Which TLS ports a server listens on. An explicit <see cref="FerryServerOptions.AmqpsPort"/> or
/// <see cref="FerryServerOptions.HttpsPort"/> is used as given (0 a free port, -1 off). Left null, a TLS port follows its
/// plain twin: the standard 5671 / 5301 when AMQP / HTTP are on their standard 5672 / 5300, and off otherwise — so tests
/// and several brokers on one machine, which move the plain ports, never compete for the standard TLS ports.
/// </summary>
internal static class TlsPorts
{
    public const int Disabled = -1;
    public const int StandardAmqps = 5671;
    public const int StandardHttps = 5301;
    private const int StandardAmqp = 5672;
    private const int StandardHttp = 5300;

    public static int Amqps(FerryServerOptions options) =>
        options.AmqpsPort ?? (options.AmqpPort == StandardAmqp ? StandardAmqps : Disabled);

    public static int Https(FerryServerOptions options) =>
        options.HttpsPort ?? (options.HttpPort == StandardHttp ? StandardHttps : Disabled);

    /// <summary>True when at least one TLS listener is on, so a certificate is needed.</summary>
    public static bool AnyEnabled(FerryServerOptions options) => Amqps(options) != Disabled || Https(options) != Disabled;

    /// <exception cref="ArgumentOutOfRangeException">A port outside -1 to 65535.</exception>
    public static void Validate(FerryServerOptions options)
    {
        foreach (var (name, port) in new[] { ("AmqpsPort", Amqps(options)), ("HttpsPort", Https(options)) })
        {
            if (port is < Disabled or > 65535)
                throw new ArgumentOutOfRangeException(name, port, $"{name} {port} is not a port: allowed -1 (off), 0 (a free port) to 65535.");
        }
    }
}
