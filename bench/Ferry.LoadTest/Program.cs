using System.Globalization;
using Ferry.Broker;
using Ferry.LoadTest;
using Ferry.Server;

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

var stats = new Stats();
using var stop = new CancellationTokenSource();
FerryServer? server = null;
DirectoryInfo? data = null;
string description;
Task run;
if (o.Target == "ferry")
{
    string address;
    if (o.Amqp is null)
    {
        data = o.InMemory ? null : Directory.CreateTempSubdirectory("ferry-load-");
        server = await FerryServer.StartAsync(new FerryServerOptions
        {
            DataDirectory = data?.FullName ?? "unused",
            InMemory = o.InMemory,
            AmqpPort = 0,
            HttpPort = 0,
        });
        await server.Broker.CreateQueueAsync(o.Queue, new QueueSettings { LockDuration = TimeSpan.FromMinutes(5), MaxSizeInMegabytes = 80 * 1024 });
        address = $"amqp://RootManageSharedAccessKey:SAS_KEY_VALUE@127.0.0.1:{server.AmqpPort}";
        description = $"Ferry in-process ({(o.InMemory ? "in-memory store, NOT durable" : "SQLite store, durable")})";
    }
    else
    {
        address = $"amqp://RootManageSharedAccessKey:SAS_KEY_VALUE@{o.Amqp}";
        description = $"Ferry at {o.Amqp} (queue '{o.Queue}' must exist)";
    }
    run = FerryDriver.RunAsync(o, address, stats, stop.Token);
}
else
{
    var (host, port) = o.Amqp is null ? ("127.0.0.1", 5672) : (o.Amqp.Split(':')[0], int.Parse(o.Amqp.Split(':')[1], CultureInfo.InvariantCulture));
    description = $"RabbitMQ at {host}:{port} (classic durable queue, persistent, publisher confirms, manual acks)";
    run = RabbitDriver.RunAsync(o, host, port, stats, stop.Token);
}

var start = System.Diagnostics.Stopwatch.GetTimestamp();
var from = start + (long)(o.Warmup * System.Diagnostics.Stopwatch.Frequency);
var until = from + (long)(o.Seconds * System.Diagnostics.Stopwatch.Frequency);
stats.Window(from, until);
await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(o.Warmup + o.Seconds)));
stop.Cancel();
await run;
if (server is not null)
    await server.DisposeAsync();
data?.Delete(recursive: true);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{description}: {o.Producers} producers (window {o.Window}), {o.Consumers} consumers (credit {o.Credit}), {o.Size} B, " +
    $"{(o.Rate > 0 ? $"rate {o.Rate}/s" : "unpaced")}, {o.Seconds} s measured, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  sent (acked) {stats.SentCount / o.Seconds,10:0} msg/s   received+completed {stats.ReceivedCount / o.Seconds,10:0} msg/s   " +
    $"send→receive p50 {stats.PercentileMs(50):0.00} ms  p99 {stats.PercentileMs(99):0.00} ms"));
return 0;
