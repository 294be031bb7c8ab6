// Allocation profiler: attaches to a running process (a Ferry.Host) with an EventPipe session for N seconds and prints
// where the sampled allocations go. The runtime raises GCAllocationTick about every 100 KB allocated per heap, with the
// type of the object that crossed the threshold and (with the Stack keyword) its managed stack; each sample stands for
// ~100 KB, so shares of samples are shares of bytes.
//
//   dotnet bench/Ferry.AllocProfile/bin/Release/net10.0/Ferry.AllocProfile.dll --pid PID [--seconds 15] [--messages N]
//       [--top 25] [--keep FILE.nettrace]
//
// --messages N divides the sampled bytes by N (bytes per message; the messages the load tool reports for the same window).
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

var pid = 0;
var seconds = 15;
var top = 25;
long messages = 0;
string? keep = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--pid": pid = int.Parse(args[++i]); break;
        case "--seconds": seconds = int.Parse(args[++i]); break;
        case "--top": top = int.Parse(args[++i]); break;
        case "--messages": messages = long.Parse(args[++i]); break;
        case "--keep": keep = args[++i]; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}
if (pid == 0)
{
    Console.Error.WriteLine("usage: --pid PID [--seconds 15] [--messages N] [--top 25] [--keep FILE.nettrace]");
    return 2;
}

var path = keep ?? Path.Combine(Path.GetTempPath(), $"ferry-alloc-{pid}-{Environment.ProcessId}.nettrace");
const long gcKeyword = 0x1, stackKeyword = 0x40000000, jitKeyword = 0x10, loaderKeyword = 0x8;
var providers = new[]
{
    new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Verbose, gcKeyword | stackKeyword | jitKeyword | loaderKeyword),
    // The runtime's counters once a second: alloc-rate is the exact number of bytes allocated in each interval.
    new EventPipeProvider("System.Runtime", EventLevel.Informational, 0, new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" }),
};
var client = new DiagnosticsClient(pid);
using (var session = client.StartEventPipeSession(providers, requestRundown: true))
{
    using var file = File.Create(path);
    var copy = session.EventStream.CopyToAsync(file);
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    session.Stop();
    await copy;
}

var etlx = TraceLog.CreateFromEventPipeDataFile(path);
using var log = new TraceLog(etlx);
var byType = new Dictionary<string, long>();
var byFerryFrame = new Dictionary<string, long>();
var byStack = new Dictionary<string, long>();
var stackType = new Dictionary<string, Dictionary<string, long>>();
long total = 0, samples = 0;
double counted = 0, gen0 = 0, gen1 = 0;
var intervals = 0;
foreach (var e in log.Events)
{
    // The counter's fields are a struct named Payload inside the event's only payload value (TraceLog names no fields).
    if (e.EventName == "EventCounters" && e.PayloadValue(0) is IDictionary<string, object> outer
        && outer.TryGetValue("Payload", out var inner) && inner is IDictionary<string, object> counter
        && counter.TryGetValue("Name", out var counterName))
    {
        var increment = counter.TryGetValue("Increment", out var value) ? Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        switch ((string)counterName)
        {
            case "alloc-rate":
                counted += increment;
                intervals++;
                break;
            case "gen-0-gc-count":
                gen0 += increment;
                break;
            case "gen-1-gc-count":
                gen1 += increment;
                break;
        }
        continue;
    }
    if (e is not GCAllocationTickTraceData tick)
        continue;
    var bytes = tick.AllocationAmount64;
    total += bytes;
    samples++;
    var type = tick.TypeName ?? "?";
    Add(byType, type, bytes);

    var stack = e.CallStack();
    string? ferry = null;
    var frames = new List<string>();
    for (var s = stack; s is not null; s = s.Caller)
    {
        var method = s.CodeAddress.Method;
        var name = method is null ? $"?!{s.CodeAddress.ModuleName}" : method.FullMethodName;
        if (frames.Count < 8)
            frames.Add(name);
        var module = s.CodeAddress.ModuleName ?? "";
        if (ferry is null && method is not null && (module.StartsWith("Ferry", StringComparison.Ordinal)
            || name.StartsWith("Ferry.", StringComparison.Ordinal)))
            ferry = name;
    }
    Add(byFerryFrame, ferry ?? "(no Ferry frame)", bytes);
    var key = string.Join("\n      <- ", frames.Take(6));
    Add(byStack, key, bytes);
    if (!stackType.TryGetValue(key, out var types))
        stackType[key] = types = new Dictionary<string, long>();
    Add(types, type, bytes);
}
if (keep is null)
    File.Delete(path);
File.Delete(etlx);

Console.WriteLine($"{samples} allocation samples, {total / 1024.0 / 1024.0:F1} MB sampled in {seconds} s"
    + (messages > 0 ? $", {(double)total / messages:F0} B per message over {messages} messages" : ""));
// The counter intervals do not line up with the session's start and end; per second is the figure to compare.
Console.WriteLine($"alloc-rate counter: {counted / 1024.0 / 1024.0:F1} MB in {intervals} intervals of 1 s"
    + (messages > 0 && intervals > 0 ? $", {counted / intervals / ((double)messages / seconds):F0} B per message at {messages / seconds} msg/s" : "")
    + $"; collections counted: gen0 {gen0:F0}, gen1 {gen1:F0} (gen0 counts include gen1 and gen2)");
Print("top types", byType);
Print("top first Ferry frames", byFerryFrame);
Console.WriteLine("\n== largest stacks (top frames)");
foreach (var (key, bytes) in byStack.OrderByDescending(p => p.Value).Take(Math.Min(top, 15)))
{
    var types = string.Join(", ", stackType[key].OrderByDescending(p => p.Value).Take(3).Select(p => p.Key));
    Console.WriteLine($"{100.0 * bytes / total,5:F1}%  [{types}]\n      {key}");
}
return 0;

void Print(string title, Dictionary<string, long> d)
{
    Console.WriteLine($"\n== {title}");
    foreach (var (k, v) in d.OrderByDescending(p => p.Value).Take(top))
        Console.WriteLine($"{100.0 * v / total,5:F1}%  {(messages > 0 ? $"{(double)v / messages,6:F0} B/msg  " : "")}{k}");
}

static void Add(Dictionary<string, long> d, string key, long bytes) =>
    d[key] = d.TryGetValue(key, out var v) ? v + bytes : bytes;
