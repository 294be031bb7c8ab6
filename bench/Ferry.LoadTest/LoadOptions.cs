using System.Globalization;

namespace Ferry.LoadTest;

/// <summary>Command line of the load tool. A scenario preset fills in what the command line leaves unset.</summary>
internal sealed class LoadOptions
{
    public string Target { get; set; } = "ferry";
    public List<Scenario> Scenarios { get; } = [];
    public string? Amqp { get; set; }
    public string? Http { get; set; }
    public bool Transient { get; set; }
    public int? Senders { get; set; }
    public int? Receivers { get; set; }
    public int? Window { get; set; }
    public int? Prefetch { get; set; }
    public int Batch { get; set; } = 1;
    public int? Size { get; set; }
    public double Duration { get; set; } = 10;
    public double Warmup { get; set; } = 1;
    public long Count { get; set; }
    public int Rate { get; set; }
    public int Sessions { get; set; } = 16;
    public int Subscriptions { get; set; } = 10;
    public int? BrokerPid { get; set; }
    public string? Json { get; set; }
    public bool Quiet { get; set; }
    public string User { get; set; } = "guest";
    public string Password { get; set; } = "guest";
    public bool StockTransport { get; set; }

    public const string Usage = """
        dotnet run -c Release --project bench/Ferry.LoadTest -- [options]
          (or: -- summarize --out FILE [--header FILE] RESULT.json...  to write a Markdown summary of --json files)
          (or: disk-probe --dir DIR [--count N]  to time an 8 KB rewrite + sync of the disk under DIR, N times)
          --target ferry|rabbitmq  what to drive (default ferry)
          --scenario LIST          comma-separated, run in order (default e2e):
                                     send       senders only; the queue grows
                                     drain      preload --count messages (default 20000), then receivers drain them
                                     e2e        senders + peek-lock receivers completing each message
                                     e2e-2k     e2e paced at 2,000 msg/s in all (the latency target's load) unless --rate
                                     fanout     senders to a topic with --subscriptions (10) subscriptions, one receiver each
                                                (RabbitMQ: a fanout exchange bound to 10 durable queues)
                                     sessions   e2e over a session queue, --sessions (16) session ids round-robin, one receiver
                                                per session (RabbitMQ has no sessions: one queue per session id)
                                     large-256k e2e with 256 KB bodies (window 20, prefetch 20 unless given)
                                     large-1m   e2e with 1 MB bodies (window 8, prefetch 8 unless given)
          --amqp host:port         a running broker (Ferry default: start one in-process on a temp durable store;
                                   RabbitMQ default 127.0.0.1:5672)
          --http host:port         Ferry's HTTP port, for creating entities (Atom API); default the AMQP host, port 5300
          --transient              not durable: in-process Ferry on the in-memory store; RabbitMQ transient queue,
                                   non-persistent messages (alias --in-memory)
          --senders N              sender connections, one link/channel each (default 4)
          --receivers N            receiver connections (default 2); links/consumers spread over them
          --window N               in-flight sends per sender awaiting the broker's accept/confirm (default 200)
          --prefetch N             link credit / basic.qos prefetch per receiver (default 500; alias --credit)
          --batch N                messages per send: a Service Bus batch (format 0x80013700) / N publishes (default 1)
          --size BYTES             body size (default 1024; the first 8 bytes carry the send timestamp)
          --duration S             measured seconds after --warmup S (default 10 and 1; alias --seconds)
          --count N                instead of a duration: send N messages in all and measure until all are received
          --rate R                 total messages per second, paced (default 0: as fast as possible)
          --broker-pid PID         process whose CPU seconds and RSS to report (default: this process in-process,
                                   else the one process found running Ferry.Host or RabbitMQ's beam.smp)
          --json FILE              also write the results as JSON
          --quiet                  no progress line
          --user U --password P    RabbitMQ credentials (default guest/guest)
          --stock-transport        each client library's own socket layer, one socket write per frame (default: the
                                   load tool's, which sends the frames written in one burst in one write; both
                                   AMQPNetLite and RabbitMQ.Client)
        """;

    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            double Double() => double.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--target": o.Target = Next(); break;
                case "--scenario":
                case "--scenarios":
                    foreach (var name in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        o.Scenarios.Add(Scenario.Parse(name));
                    break;
                case "--amqp": o.Amqp = Next(); break;
                case "--http": o.Http = Next(); break;
                case "--transient":
                case "--in-memory": o.Transient = true; break;
                case "--senders":
                case "--producers": o.Senders = Int(); break;
                case "--receivers":
                case "--consumers": o.Receivers = Int(); break;
                case "--window": o.Window = Int(); break;
                case "--prefetch":
                case "--credit": o.Prefetch = Int(); break;
                case "--batch": o.Batch = Int(); break;
                case "--size": o.Size = Int(); break;
                case "--duration":
                case "--seconds": o.Duration = Double(); break;
                case "--warmup": o.Warmup = Double(); break;
                case "--count": o.Count = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--rate": o.Rate = Int(); break;
                case "--sessions": o.Sessions = Int(); break;
                case "--subscriptions": o.Subscriptions = Int(); break;
                case "--broker-pid": o.BrokerPid = Int(); break;
                case "--json": o.Json = Next(); break;
                case "--quiet": o.Quiet = true; break;
                case "--user": o.User = Next(); break;
                case "--password": o.Password = Next(); break;
                case "--stock-transport": o.StockTransport = true; break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        if (o.Target is not ("ferry" or "rabbitmq"))
            throw new ArgumentException($"--target '{o.Target}' is not ferry or rabbitmq");
        if (o.Scenarios.Count == 0)
            o.Scenarios.Add(Scenario.Parse("e2e"));
        if (o.Batch < 1 || o.Sessions < 1 || o.Subscriptions < 1 || o.Duration <= 0 || o.Count < 0 || o.Size is < 8)
            throw new ArgumentException("--batch, --sessions and --subscriptions must be at least 1, --duration positive, --size at least 8");
        return o;
    }

    /// <summary>The settings one scenario runs with: the command line, else the scenario's preset, else the defaults.</summary>
    public RunSettings For(Scenario scenario) => new()
    {
        Scenario = scenario,
        Senders = Senders ?? 4,
        Receivers = Receivers ?? 2,
        Window = Window ?? scenario.Window ?? 200,
        Prefetch = Prefetch ?? scenario.Prefetch ?? 500,
        Batch = Batch,
        Size = Size ?? scenario.Size ?? 1024,
        Duration = Duration,
        Warmup = Count > 0 || scenario.Kind == ScenarioKind.Drain ? 0 : Warmup,
        Count = Count > 0 ? Count : scenario.Kind == ScenarioKind.Drain ? 20_000 : 0,
        Rate = Rate > 0 ? Rate : scenario.Rate ?? 0,
        Sessions = Sessions,
        Subscriptions = Subscriptions,
        Durable = !Transient,
    };
}
