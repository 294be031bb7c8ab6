using System.Diagnostics;
using System.Globalization;
using Amqp;

namespace Ferry.CrashTests;

/// <summary>
/// Runs load against a real ferry process while stopping it (SIGKILL or SIGTERM) at random moments and restarting it on
/// the same data directory; then stops the load, stops the host once more (so no lock survives), restarts it, takes
/// the queue's full contents by peek, drains it, and checks the ledger.
/// </summary>
internal sealed class CrashScenario(ITestOutputHelper output, IReadOnlyDictionary<string, string>? environment = null)
{
    public const string Queue = "crash";

    public enum StopMode { Kill, Terminate }

    public sealed record Result(int Seed, int Stops, Ledger.Summary Summary, int Drained, TimeSpan Elapsed, IReadOnlyList<string> Violations);

    public async Task<Result> RunAsync(StopMode mode, int seed, int stopsUnderLoad)
    {
        var random = new Random(seed);
        var elapsed = Stopwatch.StartNew();
        var root = Directory.CreateTempSubdirectory("ferry-crash-");
        var data = Path.Combine(root.FullName, "data");
        var config = Path.Combine(root.FullName, "Config.json");
        await File.WriteAllTextAsync(config, $$$"""
            {"UserConfig":{"Namespaces":[{"Name":"ns","Queues":[{"Name":"{{{Queue}}}","Properties":{"MaxDeliveryCount":100,"LockDuration":"PT30S"}}],"Topics":[]}]}}
            """);
        var ledger = new Ledger();
        var cluster = new HostCluster();
        var load = new LoadClients(cluster, ledger, Queue, senders: 4, window: 32, credit: 200);
        var startTimeout = TimeSpan.FromSeconds(20);
        var incarnation = 0;
        var stops = 0;
        var host = await FerryProcess.StartAsync(data, config, startTimeout, environment);
        try
        {
            cluster.Up(incarnation, host.Address);
            load.Start();
            for (var i = 0; i < stopsUnderLoad; i++)
            {
                var delay = random.Next(200, 1501);
                await Task.Delay(delay); // a random moment mid-load, not a wait for a state
                cluster.Down();
                await StopAsync(host, mode);
                stops++;
                Log($"stop {stops} ({mode}) after {delay} ms of load in incarnation {incarnation}");
                LogProblems(host, incarnation);
                await host.DisposeAsync();
                host = await FerryProcess.StartAsync(data, config, startTimeout, environment);
                cluster.Up(++incarnation, host.Address);
            }
            await Task.Delay(random.Next(200, 601));
            await load.StopAsync();
            cluster.Stop();

            // One more stop with the load quiet, so that every lock the receiver held is gone, then the inventory.
            await StopAsync(host, mode);
            stops++;
            await host.DisposeAsync();
            host = await FerryProcess.StartAsync(data, config, startTimeout, environment);
            LogProblems(host, incarnation);
            var drained = await InventoryAndDrainAsync(host, ledger);
            var summary = ledger.Verify();
            Log(string.Create(CultureInfo.InvariantCulture,
                $"seed {seed}: {stops} stops ({mode}), sent {summary.Sent}, acked {summary.Acked}, completed+confirmed {summary.Confirmed}, " +
                $"link-accepted {summary.LinkAccepted} (of which gone without confirmation {summary.UnaccountedLinkAccepted}), " +
                $"remaining at end {summary.Remaining} (unacked but stored {summary.RemainingUnacked}), redelivered {summary.Redelivered} " +
                $"(count raised {summary.RedeliveredAfterLock}; came back unraised because the kill beat the raise's write {summary.UnraisedBeforeDurable}), drained {drained}, client reconnects {load.Reconnects}, {elapsed.Elapsed.TotalSeconds:0.0} s"));
            return new Result(seed, stops, summary, drained, elapsed.Elapsed, [.. ledger.Violations]);
        }
        catch
        {
            Log("host output (last incarnation):\n" + host.Output);
            throw;
        }
        finally
        {
            cluster.Stop();
            await host.DisposeAsync();
            try
            {
                root.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean.
            }
        }
    }

    private static async Task StopAsync(FerryProcess host, StopMode mode)
    {
        if (mode == StopMode.Kill)
        {
            await host.KillAsync();
            return;
        }
        var code = await host.TerminateAsync(TimeSpan.FromSeconds(15));
        if (code != 0)
            throw new InvalidOperationException($"ferry exited with {code} after SIGTERM, expected 0:\n{host.Output}");
    }

    /// <summary>Peeks the whole queue into the ledger, receives and completes exactly that many messages, then checks it is empty.</summary>
    private static async Task<int> InventoryAndDrainAsync(FerryProcess host, Ledger ledger)
    {
        var connection = await Connection.Factory.CreateAsync(new Address(host.Address));
        try
        {
            var session = new Session(connection);
            var management = new ManagementClient(session, Queue, "inventory");
            var remaining = await management.PeekAllAsync();
            var expected = new Dictionary<long, string>();
            foreach (var message in remaining)
            {
                var id = LoadMessages.MessageId(message);
                var seq = LoadMessages.SequenceNumber(message);
                ledger.Remains(id, seq, LoadMessages.DeliveryCount(message));
                expected[seq] = id;
            }

            // Receive-and-delete (sender-settled link): the drain only has to empty the queue and match the peek.
            var receiver = new ReceiverLink(session, "drain", new Amqp.Framing.Attach
            {
                Source = new Amqp.Framing.Source { Address = Queue },
                Target = new Amqp.Framing.Target(),
                SndSettleMode = Amqp.Framing.SenderSettleMode.Settled,
            }, null);
            receiver.SetCredit(500, CreditMode.Auto);
            var drained = 0;
            while (drained < remaining.Count)
            {
                // Every one of these messages is ready (no lock survived the restart); the timeout only bounds a failure.
                var message = await receiver.ReceiveAsync(TimeSpan.FromSeconds(10))
                    ?? throw new TimeoutException($"Drain: received {drained} of the {remaining.Count} messages the peek listed.");
                var seq = LoadMessages.SequenceNumber(message);
                if (!expected.Remove(seq, out var id) || id != LoadMessages.MessageId(message))
                    ledger.Violation($"drain: received seq {seq} ({LoadMessages.MessageId(message)}), which the peek did not list");
                receiver.Accept(message);
                drained++;
            }
            var after = await management.PeekAllAsync();
            if (after.Count != 0)
                ledger.Violation($"the queue still holds {after.Count} messages after the drain (first: {LoadMessages.MessageId(after[0])})");
            return drained;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>Warnings and errors the host logged: a failed background write, for one, explains a violation.</summary>
    private void LogProblems(FerryProcess host, int incarnation)
    {
        foreach (var line in host.Output.Split('\n'))
        {
            if (line.Contains("fail:", StringComparison.Ordinal) || line.Contains("warn:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal))
                Log($"host {incarnation}: {line.TrimEnd()}");
        }
    }

    private void Log(string line)
    {
        output.WriteLine(line);
        Console.WriteLine($"[crash] {line}");
    }
}
