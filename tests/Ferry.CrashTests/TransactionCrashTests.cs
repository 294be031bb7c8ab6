using System.Runtime.CompilerServices;
using System.Transactions;
using Amqp;
using Amqp.Framing;

namespace Ferry.CrashTests;

/// <summary>A transaction is applied by its commit or not at all: kill -9 between declare and discharge leaves nothing of it.</summary>
public class TransactionCrashTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // AMQPNetLite completes tasks on its I/O thread and blocks the caller on declare/discharge: move off it first.
    private static YieldAwaitable OffClientThread() => Task.Yield();

    [Fact]
    public async Task KillNine_BetweenDeclareAndDischarge_AppliesNothing_ReceivedMessageIsBackAndNothingWasSent()
    {
        var root = Directory.CreateTempSubdirectory("ferry-txn-crash-");
        var data = Path.Combine(root.FullName, "data");
        var config = Path.Combine(root.FullName, "Config.json");
        await File.WriteAllTextAsync(config, """
            {"UserConfig":{"Namespaces":[{"Name":"ns","Queues":[{"Name":"input","Properties":{"LockDuration":"PT5M"}},{"Name":"output","Properties":{}}],"Topics":[]}]}}
            """);
        var host = await FerryProcess.StartAsync(data, config, TimeSpan.FromSeconds(20));
        try
        {
            var connection = await Connection.Factory.CreateAsync(new Address(host.Address));
            var session = new Session(connection);
            await new SenderLink(session, "seed", "input").SendAsync(new Message("order") { Properties = new Properties { MessageId = "order" } });
            var receiver = new ReceiverLink(session, "receiver", "input");
            receiver.SetCredit(1, CreditMode.Manual);
            var message = await receiver.ReceiveAsync(Timeout);
            Assert.NotNull(message);
            var sender = new SenderLink(session, "sender", "output");

            var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled);
            await OffClientThread();
            receiver.Accept(message);
            await sender.SendAsync(new Message("invoice")); // answered: both operations are enlisted on the server
            await OffClientThread();

            await host.KillAsync();
            try
            {
                scope.Dispose(); // rollback; the connection is gone, so the client's discharge goes nowhere
            }
            catch (Exception ex) when (ex is TransactionException or AmqpException)
            {
            }
            await host.DisposeAsync();

            host = await FerryProcess.StartAsync(data, config, TimeSpan.FromSeconds(20));
            var after = await Connection.Factory.CreateAsync(new Address(host.Address));
            var afterSession = new Session(after);
            Assert.Empty(await new ManagementClient(afterSession, "output", "output-mgmt").PeekAllAsync());
            var input = await new ManagementClient(afterSession, "input", "input-mgmt").PeekAllAsync();
            var back = Assert.Single(input);
            Assert.Equal("order", back.Body);
            await after.CloseAsync();
        }
        finally
        {
            await host.DisposeAsync();
            root.Delete(recursive: true);
        }
    }
}
