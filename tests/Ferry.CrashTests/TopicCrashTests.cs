using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Amqp;
using Amqp.Framing;

namespace Ferry.CrashTests;

/// <summary>
/// Topics, rules, auto-forwarding, sessions and session state under kill -9: senders publish to a topic (three
/// subscriptions: everything, a SQL rule for even numbers, and one that forwards to a queue) and to a session queue,
/// and set session states, while the real host is killed at a random moment; after the restart every entity's contents
/// are checked against what the broker acknowledged.
/// </summary>
public class TopicCrashTests(ITestOutputHelper output)
{
    private const string Topic = "crash-topic";
    private const string Target = "crash-forwarded";
    private const string Sessions = "crash-sessions";
    private const int SessionCount = 5;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task KillNine_MidPublish_FanOutIsAllOrNothing_AndAcknowledgedCopiesForwardsAndSessionStatesSurvive()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FERRY_CRASH_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
            ? s
            : Random.Shared.Next();
        output.WriteLine($"seed {seed} (FERRY_CRASH_SEED={seed} replays the kill moment)");
        var random = new Random(seed);
        var root = Directory.CreateTempSubdirectory("ferry-topic-crash-");
        var data = Path.Combine(root.FullName, "data");
        var config = Path.Combine(root.FullName, "Config.json");
        await File.WriteAllTextAsync(config, """
            {"UserConfig":{"Namespaces":[{"Name":"ns",
              "Queues":[{"Name":"TARGET","Properties":{}},{"Name":"SESSIONS","Properties":{"RequiresSession":true}}],
              "Topics":[{"Name":"TOPIC","Properties":{},"Subscriptions":[
                {"Name":"all","Properties":{}},
                {"Name":"even","Properties":{},"Rules":[{"Name":"even","Properties":{"FilterType":"Sql","SqlFilter":{"SqlExpression":"n % 2 = 0"}}}]},
                {"Name":"fwd","Properties":{"ForwardTo":"TARGET"}}]}]}]}}
            """.Replace("TARGET", Target, StringComparison.Ordinal).Replace("SESSIONS", Sessions, StringComparison.Ordinal)
            .Replace("TOPIC", Topic, StringComparison.Ordinal));
        var acked = new ConcurrentDictionary<long, bool>();           // topic message n → acknowledged
        var sessionAcked = new ConcurrentDictionary<string, string>(); // session message id → session id
        var states = new ConcurrentDictionary<string, int>();         // session id → highest state value confirmed
        try
        {
            var host = await FerryProcess.StartAsync(data, config, Timeout);
            using var stop = new CancellationTokenSource();
            var connection = await Connection.Factory.CreateAsync(new Address(host.Address));
            // Every session gets a message and a state before the load, so the check always has some to find.
            var sessionLoad = new SessionLoad(connection, sessionAcked, states);
            await sessionLoad.OpenAsync();
            for (var i = 0; i < SessionCount; i++)
                await sessionLoad.SendAndSetStateAsync(i);
            var loads = new List<Task>
            {
                PublishAsync(connection, 0, acked, stop.Token),
                PublishAsync(connection, 1, acked, stop.Token),
                sessionLoad.RunAsync(SessionCount, stop.Token),
            };
            var delay = random.Next(300, 1501);
            await Task.Delay(delay); // a random moment mid-load, not a wait for a state
            await host.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(loads);
            await host.DisposeAsync();
            output.WriteLine($"killed after {delay} ms: {acked.Count} topic sends and {sessionAcked.Count} session sends acknowledged, {states.Count} session states set");
            Assert.True(!acked.IsEmpty, "no topic send was acknowledged before the kill: the load never ran");

            await using var restarted = await FerryProcess.StartAsync(data, config, Timeout);
            var check = await Connection.Factory.CreateAsync(new Address(restarted.Address));
            try
            {
                var session = new Session(check);
                var all = Numbers(await new ManagementClient(session, $"{Topic}/Subscriptions/all", "all").PeekAllAsync());
                var even = Numbers(await new ManagementClient(session, $"{Topic}/Subscriptions/even", "even").PeekAllAsync());
                var forwarded = Numbers(await new ManagementClient(session, Target, "target").PeekAllAsync());
                var fwdLeft = Numbers(await new ManagementClient(session, $"{Topic}/Subscriptions/fwd", "fwd").PeekAllAsync());
                var sessionManagement = new ManagementClient(session, Sessions, "sessions");
                await AcceptSessionsAsync(session);
                var sessionMessages = await sessionManagement.PeekAllAsync();

                var violations = new List<string>();
                Unique(all, "all", violations);
                Unique(even, "even", violations);
                foreach (var n in acked.Keys)
                {
                    if (!all.Contains(n))
                        violations.Add($"acknowledged message {n} is missing from 'all'");
                    if (n % 2 == 0 && !even.Contains(n))
                        violations.Add($"acknowledged even message {n} is missing from 'even'");
                    if (!forwarded.Contains(n))
                        violations.Add($"acknowledged message {n} was not forwarded to '{Target}'");
                }
                foreach (var n in even)
                {
                    if (n % 2 != 0)
                        violations.Add($"odd message {n} is in 'even'");
                    if (!all.Contains(n))
                        violations.Add($"message {n} is in 'even' but not in 'all': the fan-out was not atomic");
                }
                foreach (var n in all)
                {
                    if (n % 2 == 0 && !even.Contains(n))
                        violations.Add($"even message {n} is in 'all' but not in 'even': the fan-out was not atomic");
                }
                if (fwdLeft.Count != 0)
                    violations.Add($"'fwd' forwards everything, yet it holds {fwdLeft.Count} messages");

                var stored = sessionMessages.ToDictionary(LoadMessages.MessageId, m => m.Properties.GroupId);
                foreach (var (id, sessionId) in sessionAcked)
                {
                    if (!stored.TryGetValue(id, out var found))
                        violations.Add($"acknowledged session message {id} is missing");
                    else if (found != sessionId)
                        violations.Add($"session message {id} came back in session '{found}', sent in '{sessionId}'");
                }
                foreach (var (sessionId, confirmed) in states)
                {
                    var state = await sessionManagement.GetSessionStateAsync(sessionId);
                    var value = state is null ? -1 : int.Parse(Encoding.UTF8.GetString(state), CultureInfo.InvariantCulture);
                    // A state set after the last confirmed one may have landed before the kill: never an older one.
                    if (value < confirmed)
                        violations.Add($"session '{sessionId}' state is {value}, but {confirmed} was confirmed");
                }
                output.WriteLine($"after restart: all {all.Count}, even {even.Count}, forwarded {forwarded.Count}, session messages {sessionMessages.Count}");
                Assert.True(violations.Count == 0, $"seed {seed}: {violations.Count} violation(s):\n{string.Join('\n', violations.Take(40))}");
            }
            finally
            {
                await check.CloseAsync();
            }
        }
        finally
        {
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

    /// <summary>Publishes numbered messages (<c>n</c> = link + 2 × i) to the topic, 16 in flight, recording each acknowledgement.</summary>
    private static async Task PublishAsync(Connection connection, int link, ConcurrentDictionary<long, bool> acked, CancellationToken stop)
    {
        var session = new Session(connection);
        var sender = new SenderLink(session, $"topic-sender-{link}", Topic);
        using var slots = new SemaphoreSlim(16);
        var pending = new List<Task>();
        try
        {
            for (long i = 0; !stop.IsCancellationRequested; i++)
            {
                await slots.WaitAsync(stop);
                var n = link + (2 * i);
                var message = new Message(n.ToString(CultureInfo.InvariantCulture))
                {
                    Properties = new Properties { MessageId = $"t-{n}" },
                    ApplicationProperties = new ApplicationProperties { ["n"] = n },
                };
                pending.Add(SendOneAsync(sender, message, () => acked[n] = true, slots));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or AmqpException or ObjectDisposedException)
        {
            // The kill: the link is gone; what was acknowledged is recorded.
        }
        await Task.WhenAll(pending);
    }

    /// <summary>Attaches a session receiver for each session, which locks it (session state is read and set under the lock).</summary>
    private static async Task AcceptSessionsAsync(Session session)
    {
        for (var i = 0; i < SessionCount; i++)
        {
            var attached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var filter = new Amqp.Types.Map { [new Amqp.Types.Symbol("com.microsoft:session-filter")] = $"s{i}" };
            _ = new ReceiverLink(session, $"session-receiver-{i}", new Source { Address = Sessions, FilterSet = filter },
                (_, _) => attached.TrySetResult());
            await attached.Task.WaitAsync(Timeout);
        }
    }

    /// <summary>Sends to the session queue (session = i mod 5) and sets each session's state to the number of the message sent.</summary>
    private sealed class SessionLoad(Connection connection, ConcurrentDictionary<string, string> acked, ConcurrentDictionary<string, int> states)
    {
        private readonly Session _session = new(connection);
        private SenderLink? _sender;
        private ManagementClient? _management;

        /// <summary>Accepts every session (a session receiver holds its lock, as set-session-state requires) and opens the links.</summary>
        public async Task OpenAsync()
        {
            await AcceptSessionsAsync(_session);
            _sender = new SenderLink(_session, "session-sender", Sessions);
            _management = new ManagementClient(_session, Sessions, "session-state");
        }

        public async Task SendAndSetStateAsync(int i)
        {
            if (_sender is null || _management is null)
                throw new InvalidOperationException("OpenAsync first.");
            var sessionId = $"s{i % SessionCount}";
            var id = $"m-{i}";
            await _sender.SendAsync(new Message(id) { Properties = new Properties { MessageId = id, GroupId = sessionId } })
                .WaitAsync(Timeout, CancellationToken.None);
            acked[id] = sessionId;
            await _management.SetSessionStateAsync(sessionId, Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)));
            states[sessionId] = i;
        }

        public async Task RunAsync(int from, CancellationToken stop)
        {
            try
            {
                for (var i = from; !stop.IsCancellationRequested; i++)
                    await SendAndSetStateAsync(i);
            }
            catch (Exception ex) when (ex is OperationCanceledException or AmqpException or ObjectDisposedException or TimeoutException or ManagementException)
            {
                // The kill.
            }
        }
    }

    private static async Task SendOneAsync(SenderLink sender, Message message, Action onAck, SemaphoreSlim slots)
    {
        try
        {
            // The kill fails pending sends when the socket drops; the time-out only bounds a client that never notices.
            await sender.SendAsync(message).WaitAsync(Timeout);
            onAck();
        }
        catch (Exception ex) when (ex is AmqpException or ObjectDisposedException or OperationCanceledException or TimeoutException)
        {
            // Not acknowledged: the broker may or may not have it; the checks allow both, all or nothing.
        }
        finally
        {
            slots.Release();
        }
    }

    private static List<long> Numbers(List<Message> messages) =>
        messages.ConvertAll(m => long.Parse((string)m.Body, CultureInfo.InvariantCulture));

    private static void Unique(List<long> numbers, string entity, List<string> violations)
    {
        foreach (var group in numbers.GroupBy(n => n).Where(g => g.Count() > 1))
            violations.Add($"message {group.Key} is in '{entity}' {group.Count()} times");
    }
}
