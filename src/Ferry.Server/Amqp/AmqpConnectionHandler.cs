using Ferry.Broker;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Amqp;

/// <summary>Kestrel's entry point for AMQP connections: one <see cref="AmqpConnection"/> per socket.</summary>
internal sealed class AmqpConnectionHandler : ConnectionHandler
{
    private readonly FerryBroker _broker;
    private readonly FerryServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SasTokenValidator _tokens;
    private readonly LinkStatistics _links;

    public AmqpConnectionHandler(FerryBroker broker, FerryServerOptions options, TimeProvider time, ILoggerFactory loggerFactory, LinkStatistics links)
    {
        _links = links;
        _broker = broker;
        _options = options;
        _time = time;
        _logger = loggerFactory.CreateLogger("Ferry.Server.Amqp");
        _tokens = new SasTokenValidator(options.EffectiveKeys, time);
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var amqp = new AmqpConnection(connection, _broker, _options, _tokens, _time, _logger) { Links = _links };
        await amqp.RunAsync().ConfigureAwait(false);
    }
}
