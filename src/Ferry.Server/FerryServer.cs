using System.Diagnostics.Metrics;
using System.Net;
using Ferry.Broker;
using Ferry.Server.Amqp;
using Ferry.Server.Atom;
using Ferry.Server.Configuration;
using Ferry.Server.Http;
using Ferry.Server.Tls;
using Ferry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ferry.Server;

/// <summary>
/// A running Ferry: the broker over its store, AMQP on Kestrel, and the HTTP endpoints. Embeddable — the <c>ferry</c>
/// executable and the tests start the same thing.
/// </summary>
public sealed class FerryServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IMessageStore _store;
    private readonly ILogger _logger;
    private int _disposed;

    private FerryServer(WebApplication app, FerryBroker broker, IMessageStore store, int amqpPort, int httpPort, ILogger logger)
    {
        _app = app;
        Broker = broker;
        _store = store;
        AmqpPort = amqpPort;
        HttpPort = httpPort;
        _logger = logger;
    }

    public FerryBroker Broker { get; }

    /// <summary>The AMQP port actually bound (differs from the option when it was 0).</summary>
    public int AmqpPort { get; }

    /// <summary>The HTTP port actually bound.</summary>
    public int HttpPort { get; }

    /// <summary>The AMQP-over-TLS port actually bound; -1 when AMQPS is off (see <see cref="FerryServerOptions.AmqpsPort"/>).</summary>
    public int AmqpsPort { get; private init; } = TlsPorts.Disabled;

    /// <summary>The HTTPS port actually bound; -1 when HTTPS is off (see <see cref="FerryServerOptions.HttpsPort"/>).</summary>
    public int HttpsPort { get; private init; } = TlsPorts.Disabled;

    /// <summary>The certificate AMQPS and HTTPS present (configured or development); null when both are off.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? TlsCertificate => _tls?.Certificate;

    /// <summary>Where the development certificate's public PEM was written (for NODE_EXTRA_CA_CERTS); null otherwise.</summary>
    public string? DevelopmentCertificatePemPath => _tls?.PemPath;

    private ServerCertificate? _tls;

    /// <summary>A connection string for this server with the first configured key.</summary>
    public string ConnectionString(string host = "localhost")
    {
        var key = Options.EffectiveKeys[0];
        return $"Endpoint=sb://{host}:{AmqpPort};SharedAccessKeyName={key.Name};SharedAccessKey={key.Key};UseDevelopmentEmulator=true";
    }

    public FerryServerOptions Options { get; private init; } = null!;

    /// <summary>
    /// Loads the config file, opens and recovers the store, applies the configured entities, then starts listening.
    /// When the task completes, the server accepts connections and <c>/health</c> answers.
    /// </summary>
    /// <exception cref="ConfigFileException">The config file is unreadable or holds a bad value.</exception>
    public static async Task<FerryServer> StartAsync(FerryServerOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        var time = timeProvider ?? TimeProvider.System;
        var logger = loggerFactory.CreateLogger("Ferry.Server");
        var entities = options.ConfigFile is null ? EntityConfig.Empty : EntityConfigFile.Load(options.ConfigFile);

        IMessageStore store = options.InMemory
            ? new InMemoryMessageStore()
            : SqliteMessageStore.Open(new SqliteStoreOptions
            {
                DataDirectory = Path.GetFullPath(options.DataDirectory),
                RelaxedDurability = options.RelaxedDurability,
            });
        if (options.RelaxedDurability && !options.InMemory)
        {
            logger.LogWarning("Relaxed durability is on: acknowledgements do not wait for the disk. A killed process loses nothing, " +
                "but an operating-system crash or power cut may lose the last acknowledged messages.");
        }
        FerryBroker? broker = null;
        ServerCertificate? tls = null;
        try
        {
            broker = await FerryBroker.OpenAsync(store, time, new BrokerOptions
                {
                    NamespaceHost = options.NamespaceHost,
                    MessageBodyMemoryBytes = options.MessageBodyMemoryMegabytes * 1024L * 1024L,
                },
                loggerFactory.CreateLogger("Ferry.Broker"), cancellationToken).ConfigureAwait(false);
            foreach (var (name, settings) in entities.Queues)
                await broker.ApplyConfigQueueAsync(name, settings, cancellationToken).ConfigureAwait(false);
            foreach (var topic in entities.Topics)
            {
                await broker.ApplyConfigTopicAsync(topic.Name, topic.Settings, cancellationToken).ConfigureAwait(false);
                foreach (var subscription in topic.Subscriptions)
                {
                    await broker.ApplyConfigSubscriptionAsync(topic.Name, subscription.Name, subscription.Settings, subscription.Rules, cancellationToken)
                        .ConfigureAwait(false);
                }
            }

            TlsPorts.Validate(options);
            tls = TlsPorts.AnyEnabled(options) ? ServerCertificate.Load(options, time, logger) : null;
            var ports = new ListenerPorts();
            var app = BuildApp(options, broker, loggerFactory, time, tls, ports);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var (amqpPort, httpPort) = (ports.Port(ListenerPorts.Amqp), ports.Port(ListenerPorts.Http));
            var (amqpsPort, httpsPort) = (ports.Port(ListenerPorts.Amqps), ports.Port(ListenerPorts.Https));
            logger.LogInformation("Ferry is ready: AMQP on {AmqpPort}, HTTP on {HttpPort}, AMQPS on {AmqpsPort}, HTTPS on {HttpsPort}, store {Store}.",
                amqpPort, httpPort, amqpsPort == TlsPorts.Disabled ? "off" : amqpsPort, httpsPort == TlsPorts.Disabled ? "off" : httpsPort,
                options.InMemory ? "in memory" : Path.GetFullPath(options.DataDirectory));
            return new FerryServer(app, broker, store, amqpPort, httpPort, logger)
            {
                Options = options, AmqpsPort = amqpsPort, HttpsPort = httpsPort, _tls = tls,
            };
        }
        catch
        {
            tls?.Dispose();
            if (broker is not null)
                await broker.DisposeAsync().ConfigureAwait(false);
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static WebApplication BuildApp(FerryServerOptions options, FerryBroker broker, ILoggerFactory loggerFactory, TimeProvider time,
        ServerCertificate? tls, ListenerPorts ports)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(broker);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<AmqpConnectionHandler>();
        builder.Services.AddSingleton<LinkStatistics>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            Listen(kestrel, options.Bind, options.AmqpPort, ports.Record(ListenerPorts.Amqp, options.AmqpPort,
                listen => listen.UseConnectionHandler<AmqpConnectionHandler>()));
            Listen(kestrel, options.Bind, options.HttpPort, ports.Record(ListenerPorts.Http, options.HttpPort, _ => { }));
            if (tls is not null && TlsPorts.Amqps(options) is var amqps and not TlsPorts.Disabled)
            {
                Listen(kestrel, options.Bind, amqps, ports.Record(ListenerPorts.Amqps, amqps,
                    listen => listen.UseHttps(tls.Certificate).UseConnectionHandler<AmqpConnectionHandler>()));
            }
            if (tls is not null && TlsPorts.Https(options) is var https and not TlsPorts.Disabled)
                Listen(kestrel, options.Bind, https, ports.Record(ListenerPorts.Https, https, listen => listen.UseHttps(tls.Certificate)));
        });
        builder.WebHost.UseKestrelCore();
        var app = builder.Build();
        FerryTelemetry.CreateMeter(app.Services.GetRequiredService<IMeterFactory>(), broker, app.Services.GetRequiredService<LinkStatistics>());
        Rest.RestMessagingApi.UseFerryRestMessaging(app);
        app.UseFerryAtomApi();
        app.MapFerryHealth(options.InMemory ? "memory" : "sqlite",
            options.InMemory ? "none" : options.RelaxedDurability ? "relaxed" : "synced");
        app.MapFerryAdminApi();
        Dashboard.FerryDashboard.MapFerryDashboard(app);
        return app;
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, string bind, int port,
        Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> configure)
    {
        switch (bind)
        {
            case "localhost" when port != 0:
                kestrel.ListenLocalhost(port, configure);
                break;
            case "localhost":
                kestrel.Listen(IPAddress.Loopback, port, configure);
                break;
            case "any":
                kestrel.ListenAnyIP(port, configure);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(bind), port, configure);
                break;
        }
    }

    /// <summary>Stops listening, closes connections, closes the broker and flushes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        try
        {
            // Connections are asked to close at once; the time-out only bounds a peer that does not answer.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Stopping the listeners failed.");
        }
        await Broker.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _tls?.Dispose();
    }

    /// <summary>The embedding process owns signals and shutdown, not the web host.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
