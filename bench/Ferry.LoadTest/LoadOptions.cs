using System.Globalization;

namespace Ferry.LoadTest;

/// <summary>Command line of the load tool.</summary>
internal sealed class LoadOptions
{
    public string Target { get; set; } = "ferry";
    public string? Amqp { get; set; }
    public bool InMemory { get; set; }
    public int Producers { get; set; } = 4;
    public int Consumers { get; set; } = 2;
    public int Window { get; set; } = 200;
    public int Credit { get; set; } = 500;
    public double Seconds { get; set; } = 10;
    public double Warmup { get; set; } = 1;
    public int Rate { get; set; }
    public int Size { get; set; } = 1024;
    public string Queue { get; set; } = "load";

    public const string Usage = """
        dotnet run -c Release --project bench/Ferry.LoadTest -- [options]
          --target ferry|rabbitmq  what to drive (default ferry)
          --amqp host:port         a running Ferry (default: start one in-process on a temp durable store)
          --in-memory              in-process Ferry on the in-memory store (not durable) instead
          --producers P            producer connections, one sender link each (default 4)
          --consumers C            consumer connections, one peek-lock receiver each (default 2)
          --window W               outstanding unsettled sends per producer (default 200)
          --credit N               link credit / prefetch per consumer (default 500)
          --seconds N              measured duration (default 10), after --warmup seconds (default 1)
          --rate R                 total messages per second, paced (default 0: as fast as possible)
          --size BYTES             message body size (default 1024)
        """;

    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--target": o.Target = Next(); break;
                case "--amqp": o.Amqp = Next(); break;
                case "--in-memory": o.InMemory = true; break;
                case "--producers": o.Producers = Int(); break;
                case "--consumers": o.Consumers = Int(); break;
                case "--window": o.Window = Int(); break;
                case "--credit": o.Credit = Int(); break;
                case "--seconds": o.Seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": o.Warmup = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--rate": o.Rate = Int(); break;
                case "--size": o.Size = Int(); break;
                case "--queue": o.Queue = Next(); break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        if (o.Target is not ("ferry" or "rabbitmq"))
            throw new ArgumentException($"--target '{o.Target}' is not ferry or rabbitmq");
        return o;
    }
}
