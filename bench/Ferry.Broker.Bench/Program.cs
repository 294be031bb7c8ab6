using System.Globalization;
using Ferry.Broker.Bench;
using Ferry.Storage;

// dotnet run -c Release --project bench/Ferry.Broker.Bench -- [--seconds N] [--senders N] [--size BYTES] [--only sqlite|memory] [--dir PATH] [--recovery N [--host FERRY_HOST_DLL]]
double seconds = 5;
var senders = 64;
var size = 1024;
string? only = null;
string? dir = null;
int? recovery = null;
string? host = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--senders": senders = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--size": size = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--only": only = args[++i]; break;
        case "--dir": dir = args[++i]; break;
        case "--recovery": recovery = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--host": host = Path.GetFullPath(args[++i]); break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'");
            return 2;
    }
}

if (recovery is { } recoveryCount)
{
    // dotnet run -c Release --project bench/Ferry.Broker.Bench -- --recovery 1000000 [--host src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll]
    await RecoveryBench.RunAsync(recoveryCount, size, dir, host);
    return 0;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Ferry broker API bench: {size}-byte messages, {senders} concurrent senders/completers, {seconds} s per scenario, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
var rows = new List<BrokerBench.Row>();
if (only is null or "sqlite")
{
    var root = dir is null ? Directory.CreateTempSubdirectory("ferry-broker-bench-") : Directory.CreateDirectory(Path.Combine(dir, $"broker-bench-{Guid.NewGuid():N}"));
    try
    {
        rows.AddRange(await BrokerBench.RunAsync("sqlite", () => SqliteMessageStore.Open(root.FullName), seconds, senders, size));
    }
    finally
    {
        root.Delete(recursive: true);
    }
}
if (only is null or "memory")
    rows.AddRange(await BrokerBench.RunAsync("memory", () => new InMemoryMessageStore(), seconds, senders, size));
BrokerBench.Print(rows);
return 0;
