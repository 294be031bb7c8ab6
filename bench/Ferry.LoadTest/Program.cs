using System.Globalization;
using Ferry.LoadTest;
using Ferry.Server;

if (args.Length > 0 && args[0] == "summarize")
    return Summary.Run(args);
if (args.Length > 0 && args[0] == "disk-probe")
    return DiskProbe.Run(args);
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(LoadOptions.Usage);
    return 0;
}

LoadOptions o;
try
{
    o = LoadOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

const string KeyName = "RootManageSharedAccessKey";
const string Key = "SAS_KEY_VALUE";
FerryServer? server = null;
DirectoryInfo? data = null;
FerryAdmin? admin = null;
ILoadDriver driver;
BrokerProcess broker;
if (o.Target == "ferry")
{
    string amqp, http, description;
    if (o.Amqp is null)
    {
        data = o.Transient ? null : Directory.CreateTempSubdirectory("ferry-load-");
        server = await FerryServer.StartAsync(new FerryServerOptions
        {
            DataDirectory = data?.FullName ?? "unused",
            InMemory = o.Transient,
            AmqpPort = 0,
            HttpPort = 0,
            AmqpsPort = -1,
            HttpsPort = -1,
        });
        (amqp, http) = ($"127.0.0.1:{server.AmqpPort}", $"127.0.0.1:{server.HttpPort}");
        description = $"Ferry in-process ({(o.Transient ? "in-memory store, NOT durable" : "SQLite store, durable")})";
        broker = new BrokerProcess(Environment.ProcessId, "in-process: broker and load tool together");
    }
    else
    {
        amqp = o.Amqp;
        http = o.Http ?? $"{o.Amqp.Split(':')[0]}:5300";
        description = $"Ferry at {o.Amqp}";
        broker = o.BrokerPid is { } pid ? new BrokerProcess(pid, "given") : BrokerProcess.Find("Ferry.Host", "Ferry.Host");
    }
    admin = new FerryAdmin(http, KeyName, Key);
    if (o.StockTransport)
        description += ", AMQPNetLite's own TCP transport";
    driver = new FerryDriver($"amqp://{KeyName}:{Key}@{amqp}", admin, description, o.StockTransport);
}
else
{
    var (host, port) = o.Amqp is null ? ("127.0.0.1", 5672) : (o.Amqp.Split(':')[0], int.Parse(o.Amqp.Split(':')[1], CultureInfo.InvariantCulture));
    driver = new RabbitDriver(host, port, o.User, o.Password, o.StockTransport);
    broker = o.BrokerPid is { } pid ? new BrokerProcess(pid, "given") : BrokerProcess.Find("beam.smp", "RabbitMQ beam.smp");
}

var results = new List<RunResult>();
var exit = 0;
try
{
    foreach (var scenario in o.Scenarios)
    {
        var settings = o.For(scenario);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{driver.Description}, broker process {broker.Description}: {scenario.Name}, {settings.Size} B, {settings.Senders} senders (window {settings.Window}, batch {settings.Batch}), " +
            $"{settings.Receivers} receivers (prefetch {settings.Prefetch}), {(settings.Durable ? "durable" : "NOT durable")}, " +
            $"{(settings.Count > 0 ? $"{settings.Count} messages" : $"{settings.Duration} s after {settings.Warmup} s warm-up")}, " +
            $"{(settings.Rate > 0 ? $"rate {settings.Rate}/s" : "unpaced")}, {Environment.ProcessorCount} cores, load average {Report.LoadAverage()}"));
        results.Add(await Runner.RunAsync(o.Target, driver, settings, broker, o.Quiet));
    }
}
catch (Exception ex)
{
    Console.Error.WriteLine($"load test failed: {ex.GetType().Name}: {ex.Message}");
    exit = 1;
}
finally
{
    admin?.Dispose();
    if (server is not null)
        await server.DisposeAsync();
    data?.Delete(recursive: true);
}

if (results.Count > 0)
{
    Report.PrintTable(results);
    if (o.Json is not null)
        Report.WriteJson(o.Json, results);
}
return exit != 0 ? exit : results.All(r => r.Complete && r.Failed == 0) ? 0 : 1;
