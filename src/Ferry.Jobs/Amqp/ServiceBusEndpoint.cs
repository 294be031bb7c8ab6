using System.Globalization;

namespace Ferry.Jobs;

/// <summary>
/// A Service Bus namespace as a connection string names it:
/// <c>Endpoint=sb://host[:port]/;SharedAccessKeyName=…;SharedAccessKey=…[;UseDevelopmentEmulator=true][;EntityPath=…]</c>.
/// With the emulator flag (exactly <c>true</c>, as the Azure SDKs require) the client uses plain TCP on the Endpoint's
/// port (default 5672); otherwise AMQP over TLS on 5671.
/// </summary>
public sealed record ServiceBusEndpoint
{
    public const int AmqpPort = 5672;
    public const int AmqpsPort = 5671;

    /// <summary>The namespace host, e.g. <c>contoso.servicebus.windows.net</c> or <c>localhost</c>.</summary>
    public required string Host { get; init; }

    /// <summary>The port written in the Endpoint, if any.</summary>
    public int? ExplicitPort { get; init; }

    public required string SharedAccessKeyName { get; init; }

    public required string SharedAccessKey { get; init; }

    /// <summary>True only when the connection string says <c>UseDevelopmentEmulator=true</c>.</summary>
    public bool UseDevelopmentEmulator { get; init; }

    /// <summary>The connection string's EntityPath, if any.</summary>
    public string? EntityPath { get; init; }

    /// <summary>The port the client connects to: the explicit one, else 5672 with the emulator flag and 5671 without.</summary>
    public int Port => ExplicitPort ?? (UseDevelopmentEmulator ? AmqpPort : AmqpsPort);

    /// <summary>TLS is used unless the emulator flag is set.</summary>
    public bool UseTls => !UseDevelopmentEmulator;

    /// <summary>The endpoint as the SDKs write audiences: <c>sb://host[:port]/</c> (the port only when one was given).</summary>
    public string EndpointUri => ExplicitPort is { } port
        ? string.Create(CultureInfo.InvariantCulture, $"sb://{Host}:{port}/")
        : $"sb://{Host}/";

    /// <summary>The CBS audience for an entity path (<c>queue</c>, <c>queue/$management</c>, …).</summary>
    public string Audience(string entityPath) => EndpointUri + entityPath;

    /// <summary>Parses a Service Bus connection string. Keys are matched case-insensitively; the emulator flag's value is not.</summary>
    /// <exception cref="FormatException">The string lacks Endpoint, SharedAccessKeyName or SharedAccessKey, or the Endpoint is not a URI.</exception>
    public static ServiceBusEndpoint Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new FormatException($"The connection string part '{part}' is not key=value.");
            values[part[..equals].Trim()] = part[(equals + 1)..].Trim();
        }

        if (!values.TryGetValue("Endpoint", out var endpoint) || endpoint.Length == 0)
            throw new FormatException("The connection string has no Endpoint.");
        if (!values.TryGetValue("SharedAccessKeyName", out var keyName) || keyName.Length == 0)
            throw new FormatException("The connection string has no SharedAccessKeyName.");
        if (!values.TryGetValue("SharedAccessKey", out var key) || key.Length == 0)
            throw new FormatException("The connection string has no SharedAccessKey.");
        if (!Uri.TryCreate(endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "sb://" + endpoint, UriKind.Absolute, out var uri)
            || uri.Host.Length == 0)
            throw new FormatException($"The Endpoint '{endpoint}' is not a URI such as sb://host/.");

        values.TryGetValue("EntityPath", out var entityPath);
        return new ServiceBusEndpoint
        {
            Host = uri.Host,
            ExplicitPort = uri.Port > 0 ? uri.Port : null,
            SharedAccessKeyName = keyName,
            SharedAccessKey = key,
            UseDevelopmentEmulator = values.TryGetValue("UseDevelopmentEmulator", out var emulator) && emulator == "true",
            EntityPath = string.IsNullOrEmpty(entityPath) ? null : entityPath,
        };
    }

    /// <summary>Hides the key.</summary>
    public override string ToString() =>
        $"{EndpointUri} (key {SharedAccessKeyName}, {(UseTls ? "amqps" : "amqp")}:{Port.ToString(CultureInfo.InvariantCulture)})";
}
