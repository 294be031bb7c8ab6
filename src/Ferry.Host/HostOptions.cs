using Ferry.Server;
using Microsoft.Extensions.Configuration;

namespace Ferry.Host;

/// <summary>
/// Reads <see cref="FerryServerOptions"/> from, in rising precedence: <c>appsettings.json</c> (section <c>Ferry</c>),
/// environment variables (<c>FERRY_</c> prefix, e.g. <c>FERRY_AMQPPORT</c>), and the command line
/// (<c>--config</c>, <c>--data</c>, <c>--in-memory</c>, <c>--relaxed-durability</c>, <c>--body-memory</c>, <c>--amqp-port</c>, <c>--http-port</c>, <c>--amqps-port</c>, <c>--https-port</c>,
/// <c>--cert</c>, <c>--cert-key</c>, <c>--cert-password</c>, <c>--cert-out</c>, <c>--bind</c>, <c>--log-level</c>).
/// </summary>
internal static class HostOptions
{
    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--config"] = "Ferry:ConfigFile",
        ["--data"] = "Ferry:DataDirectory",
        ["--in-memory"] = "Ferry:InMemory",
        ["--relaxed-durability"] = "Ferry:RelaxedDurability",
        ["--amqp-port"] = "Ferry:AmqpPort",
        ["--http-port"] = "Ferry:HttpPort",
        ["--amqps-port"] = "Ferry:AmqpsPort",
        ["--https-port"] = "Ferry:HttpsPort",
        ["--cert"] = "Ferry:CertificatePath",
        ["--cert-key"] = "Ferry:CertificateKeyPath",
        ["--cert-password"] = "Ferry:CertificatePassword",
        ["--cert-out"] = "Ferry:DevelopmentCertificatePemPath",
        ["--bind"] = "Ferry:Bind",
        ["--admin-token"] = "Ferry:AdminToken",
        ["--development-mode"] = "Ferry:DevelopmentMode",
        ["--host-name"] = "Ferry:NamespaceHost",
        ["--log-level"] = "Ferry:LogLevel",
        ["--body-memory"] = "Ferry:MessageBodyMemoryMegabytes",
    };

    public const string Usage = """
        Usage: ferry [options]
          --config <file>     entities to create, in the Service Bus emulator's Config.json format
          --data <dir>        where the store keeps its files (default ./ferry-data)
          --in-memory         keep everything in memory; nothing survives the process (for tests)
          --relaxed-durability  acknowledge before the disk sync: safe against a killed process, NOT against power
                              loss or an OS crash (for CI and development machines)
          --amqp-port <port>  AMQP port (default 5672)
          --http-port <port>  HTTP port for /health and management (default 5300)
          --amqps-port <port> AMQP over TLS (default 5671 when --amqp-port is 5672, else off; 0 free port, -1 off)
          --https-port <port> HTTPS, e.g. for the SDK administration clients (default 5301 when --http-port is 5300, else off)
          --cert <file>       TLS certificate: .pfx/.p12, or PEM (default: a generated development certificate, see docs/tls.md)
          --cert-key <file>   PEM private key of --cert when it is in another file
          --cert-password <p> password of the .pfx or the encrypted PEM key (better: FERRY_CERTIFICATEPASSWORD)
          --cert-out <file>   where to write the development certificate's PEM (default <data>/dev-cert.pem; temp file with --in-memory)
          --bind <address>    localhost (default), any, or an IP address
          --admin-token <t>   bearer token for the HTTP admin API (better: FERRY_ADMINTOKEN)
          --development-mode <true|false>  open admin API without a token (default: open only when bound to localhost)
          --body-memory <MB>  queued message bodies kept in memory, in all (default 64; beyond it they are read from the store)
          --log-level <level> Trace, Debug, Information, Warning (default), Error
        Environment: FERRY_CONFIGFILE, FERRY_DATADIRECTORY, FERRY_AMQPPORT, … override appsettings.json; the command line wins.
        """;

    /// <exception cref="ArgumentException">An unknown switch or a bad value, with a message for the user.</exception>
    public static (FerryServerOptions Options, string LogLevel) Read(string[] args)
    {
        var normalized = new List<string>(args.Length + 2);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var name = arg.Split('=', 2)[0];
            if (!Switches.ContainsKey(name))
                throw new ArgumentException($"Unknown option '{arg}'.");
            if (name is "--in-memory" or "--relaxed-durability" && !arg.Contains('=', StringComparison.Ordinal))
            {
                normalized.Add($"{name}=true");
                continue;
            }
            if (!arg.Contains('=', StringComparison.Ordinal))
            {
                if (i + 1 >= args.Length)
                    throw new ArgumentException($"Option '{arg}' needs a value.");
                normalized.Add($"{arg}={args[++i]}");
                continue;
            }
            normalized.Add(arg);
        }

        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables("FERRY_")
            .AddCommandLine([.. normalized], Switches)
            .Build();
        var section = configuration.GetSection("Ferry");
        var options = new FerryServerOptions
        {
            ConfigFile = Get(configuration, section, "ConfigFile") is { Length: > 0 } config ? config : null,
            DataDirectory = Get(configuration, section, "DataDirectory") ?? "ferry-data",
            InMemory = ParseBool(Get(configuration, section, "InMemory"), "--in-memory") ?? false,
            RelaxedDurability = ParseBool(Get(configuration, section, "RelaxedDurability"), "--relaxed-durability") ?? false,
            AmqpPort = ParsePort(Get(configuration, section, "AmqpPort"), "--amqp-port") ?? 5672,
            HttpPort = ParsePort(Get(configuration, section, "HttpPort"), "--http-port") ?? 5300,
            AmqpsPort = ParseTlsPort(Get(configuration, section, "AmqpsPort"), "--amqps-port"),
            HttpsPort = ParseTlsPort(Get(configuration, section, "HttpsPort"), "--https-port"),
            CertificatePath = NullIfEmpty(Get(configuration, section, "CertificatePath")),
            CertificateKeyPath = NullIfEmpty(Get(configuration, section, "CertificateKeyPath")),
            CertificatePassword = NullIfEmpty(Get(configuration, section, "CertificatePassword")),
            DevelopmentCertificatePemPath = NullIfEmpty(Get(configuration, section, "DevelopmentCertificatePemPath")),
            Bind = Get(configuration, section, "Bind") ?? "localhost",
            AdminToken = NullIfEmpty(Get(configuration, section, "AdminToken")),
            DevelopmentMode = ParseBool(Get(configuration, section, "DevelopmentMode"), "--development-mode"),
            NamespaceHost = Get(configuration, section, "NamespaceHost") ?? "localhost",
            MessageBodyMemoryMegabytes = ParseMegabytes(Get(configuration, section, "MessageBodyMemoryMegabytes"), "--body-memory") ?? 64,
        };
        foreach (var key in section.GetSection("Keys").GetChildren())
        {
            var keyName = key["Name"];
            var keyValue = key["Key"];
            if (string.IsNullOrEmpty(keyName) || string.IsNullOrEmpty(keyValue))
                throw new ArgumentException($"Ferry:Keys:{key.Key} needs both Name and Key.");
            options.Keys.Add(new SharedAccessKey(keyName, keyValue));
        }
        if (options.Bind is not ("localhost" or "any") && !System.Net.IPAddress.TryParse(options.Bind, out _))
            throw new ArgumentException($"--bind '{options.Bind}' is not localhost, any, or an IP address.");
        return (options, Get(configuration, section, "LogLevel") ?? "Warning");
    }

    // Environment variables arrive flat (FERRY_AMQPPORT → AMQPPORT); the command line and appsettings use Ferry:AmqpPort.
    private static string? Get(IConfiguration root, IConfigurationSection section, string key) => section[key] ?? root[key];

    private static int? ParsePort(string? value, string name) =>
        ParseInRange(value, name, 0, 65535, "is not a port number; allowed 0 to 65535 (0 picks a free port)");

    private static int? ParseMegabytes(string? value, string name) =>
        ParseInRange(value, name, 0, 1_048_576, "is not a size in megabytes; allowed 0 to 1048576");

    private static int? ParseTlsPort(string? value, string name) =>
        ParseInRange(value, name, -1, 65535, "is not a port number; allowed -1 (off), 0 (a free port) to 65535");

    /// <exception cref="ArgumentException">The value is not a whole number from <paramref name="min"/> to <paramref name="max"/>.</exception>
    private static int? ParseInRange(string? value, string name, int min, int max, string refusal)
    {
        if (value is null)
            return null;
        return int.TryParse(value, out var number) && number >= min && number <= max
            ? number
            : throw new ArgumentException($"{name} '{value}' {refusal}.");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static bool? ParseBool(string? value, string name)
    {
        if (value is null)
            return null;
        return bool.TryParse(value, out var flag) ? flag : throw new ArgumentException($"{name} '{value}' is not true or false.");
    }
}
