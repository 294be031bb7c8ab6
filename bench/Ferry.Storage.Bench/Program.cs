using System.Globalization;
using Ferry.Storage.Bench;

// dotnet run -c Release --project bench/Ferry.Storage.Bench -- [--seconds N] [--producers 1,16,64,256] [--recovery N]
//     [--dir PATH] [--relaxed] [--rowid] [--only commit|pairs|recovery|fsync]
var options = new BenchOptions();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seconds": options.Seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--producers": options.Producers = Array.ConvertAll(args[++i].Split(','), int.Parse); break;
        case "--recovery": options.RecoveryMessages = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--dir": options.Directory = args[++i]; break;
        case "--relaxed": options.Relaxed = true; break;
        case "--rowid": options.RowIdTable = true; break;
        case "--only": options.Only = args[++i]; break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'");
            return 2;
    }
}

await StorageBench.RunAsync(options);
return 0;
