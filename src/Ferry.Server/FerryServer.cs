using System.Net;
using Ferry.Broker;
using Ferry.Server.Amqp;
using Ferry.Server.Configuration;
using Ferry.Server.Http;
using Ferry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
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
            : SqliteMessageStore.Open(Path.GetFullPath(options.DataDirectory));
        FerryBroker? broker = null;
        try
        {
            broker = await FerryBroker.OpenAsync(store, time, new BrokerOptions { NamespaceHost = options.NamespaceHost },
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

            var app = BuildApp(options, broker, loggerFactory, time);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var (amqpPort, httpPort) = BoundPorts(app, options);
            logger.LogInformation("Ferry is ready: AMQP on {AmqpPort}, HTTP on {HttpPort}, store {Store}.", amqpPort, httpPort,
                options.InMemory ? "in memory" : Path.GetFullPath(options.DataDirectory));
            return new FerryServer(app, broker, store, amqpPort, httpPort, logger) { Options = options };
        }
        catch
        {
            if (broker is not null)
                await broker.DisposeAsync().ConfigureAwait(false);
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static WebApplication BuildApp(FerryServerOptions options, FerryBroker broker, ILoggerFactory loggerFactory, TimeProvider time)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(broker);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<AmqpConnectionHandler>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            Listen(kestrel, options.Bind, options.AmqpPort, listen => listen.UseConnectionHandler<AmqpConnectionHandler>());
            Listen(kestrel, options.Bind, options.HttpPort, _ => { });
        });
        builder.WebHost.UseKestrelCore();
        var app = builder.Build();
        app.MapGet("/health", (FerryBroker b) => Results.Json(new HealthReport("ready", b.Queues.Count)));
        app.MapFerryAdminApi();
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

    private static (int Amqp, int Http) BoundPorts(WebApplication app, FerryServerOptions options)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var ports = new List<int>();
        foreach (var address in addresses)
            ports.Add(new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal), UriKind.Absolute).Port);
        var amqp = options.AmqpPort != 0 ? options.AmqpPort : ports[0];
        var http = options.HttpPort != 0 ? options.HttpPort : ports[^1];
        return (amqp, http);
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
    }

    private sealed record HealthReport(string Status, int Entities);

    /// <summary>The embedding process owns signals and shutdown, not the web host.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
