using System.Runtime.InteropServices;
using Ferry.Host;
using Ferry.Server;
using Ferry.Server.Configuration;
using Microsoft.Extensions.Logging;

FerryServerOptions options;
string logLevel;
try
{
    (options, logLevel) = HostOptions.Read(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"ferry: {ex.Message}");
    Console.Error.WriteLine(HostOptions.Usage);
    return 2;
}

if (!Enum.TryParse<LogLevel>(logLevel, ignoreCase: true, out var minimumLevel))
{
    Console.Error.WriteLine($"ferry: --log-level '{logLevel}' is not one of Trace, Debug, Information, Warning, Error, Critical, None.");
    return 2;
}

using var loggerFactory = LoggerFactory.Create(logging => logging
    .SetMinimumLevel(minimumLevel)
    .AddFilter("Ferry.Server", minimumLevel < LogLevel.Information ? minimumLevel : LogLevel.Information)
    .AddFilter("Microsoft", LogLevel.Warning)
    .AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.TimestampFormat = "HH:mm:ss.fff ";
    }));

using var telemetry = OtlpExport.StartIfConfigured();
FerryServer server;
try
{
    server = await FerryServer.StartAsync(options, loggerFactory).ConfigureAwait(false);
}
catch (ConfigFileException ex)
{
    Console.Error.WriteLine($"ferry: bad config file: {ex.Message}");
    return 3;
}
catch (IOException ex)
{
    Console.Error.WriteLine($"ferry: cannot start: {ex.Message}");
    return 4;
}

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult(); });
await stop.Task.ConfigureAwait(false);

// SIGTERM: stop accepting, close connections, let pending commits finish and flush the store, then exit 0.
await server.DisposeAsync().ConfigureAwait(false);
return 0;
