using System.Runtime.CompilerServices;
using System.Transactions;
using Amqp;
using Amqp.Framing;
using Amqp.Transactions;
using Amqp.Types;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Server.Tests;

/// <summary>
/// AMQP transactions (part 4) driven by AMQPNetLite's own transaction support: a <see cref="TransactionScope"/> around
/// sends and settlements makes it declare on a coordinator link, tag transfers and dispositions with
/// transactional-state, and discharge when the scope ends.
/// </summary>
/// <remarks>
/// AMQPNetLite completes its tasks on its connection's I/O thread, and its transaction enlistment blocks the calling
/// thread on the declare and the discharge. Code that continues on that thread and then enlists or ends a scope waits for
/// a reply only that thread could read: <see cref="OffClientThread"/> moves on to the thread pool first.
/// </remarks>
public sealed class LiteTransactionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Timeout = ServerFixture.Timeout;
    private static readonly Symbol TransferDestination = new("com.microsoft:transfer-destination-address");

    private static YieldAwaitable OffClientThread() => Task.Yield();

    private static async Task SendAsync(Session session, QueueEntity queue, string body)
    {
        var sender = new SenderLink(session, $"seed-{Guid.NewGuid():N}", queue.Name);
        await sender.SendAsync(new Message(body) { Properties = new Properties { MessageId = body } });
        await sender.CloseAsync();
    }

    private static async Task<Message> ReceiveAsync(ReceiverLink receiver)
    {
        receiver.SetCredit(1, CreditMode.Manual);
        var message = await receiver.ReceiveAsync(Timeout);
        Assert.NotNull(message);
        return message;
    }

    private static string[] Bodies(QueueEntity queue) =>
        [.. queue.Peek(SubQueue.Main, 1, 100).Select(m => global::Amqp.Message.Decode(new ByteBuffer(m.Body.ToArray(), 0, m.Body.Length, m.Body.Length)).Body as string ?? "")];

    [Fact]
    public async Task Send_InCompletedScope_InvisibleUntilCommitThenEnqueued()
    {
        var queue = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var sender = new SenderLink(session, "sender", queue.Name);

        using (var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await OffClientThread();
            await sender.SendAsync(new Message("one"));
            await sender.SendAsync(new Message("two"));
            // Both transfers were answered (enlisted), and nothing is in the queue yet.
            Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
            await OffClientThread();
            scope.Complete();
        }

        Assert.Equal(["one", "two"], Bodies(queue));
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Send_InScopeNotCompleted_IsRolledBackAndNeverDelivered()
    {
        var queue = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var sender = new SenderLink(session, "sender", queue.Name);
        var receiver = new ReceiverLink(session, "receiver", queue.Name);
        receiver.SetCredit(5, CreditMode.Manual);

        using (new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await OffClientThread();
            await sender.SendAsync(new Message("rolled-back"));
            await OffClientThread();
        }
        await sender.SendAsync(new Message("after"));

        var message = await receiver.ReceiveAsync(Timeout);
        Assert.NotNull(message);
        Assert.Equal("after", message.Body); // the rolled-back message was never enqueued ahead of it
        receiver.Accept(message);
        Assert.Equal(1, queue.LastSequenceNumber);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task ReceiveCompleteAndSend_InCompletedScope_CommitTogether()
    {
        var input = await fixture.CreateQueueAsync();
        var output = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        await SendAsync(session, input, "order-1");
        var receiver = new ReceiverLink(session, "receiver", input.Name);
        var sender = new SenderLink(session, "sender", output.Name);
        var message = await ReceiveAsync(receiver);

        using (var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await OffClientThread();
            receiver.Accept(message);
            await sender.SendAsync(new Message("invoice-1"));
            await OffClientThread();
            scope.Complete();
        }

        Assert.Empty(input.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(["invoice-1"], Bodies(output));
        await connection.CloseAsync();
    }

    [Fact]
    public async Task ReceiveCompleteAndSend_ScopeNotCompleted_MessageStaysLockedAndIsRedeliverable()
    {
        var input = await fixture.CreateQueueAsync();
        var output = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        await SendAsync(session, input, "order-2");
        var receiver = new ReceiverLink(session, "receiver", input.Name);
        var sender = new SenderLink(session, "sender", output.Name);
        var message = await ReceiveAsync(receiver);
        var lockToken = new Guid(message.DeliveryTag);

        using (new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await OffClientThread();
            receiver.Accept(message);
            await sender.SendAsync(new Message("invoice-2"));
            await OffClientThread();
        }

        Assert.True(input.HoldsLock(lockToken));
        Assert.Empty(output.Peek(SubQueue.Main, 1, 10));
        // The lock is still the client's: abandoning it by lock token redelivers the message with its count raised.
        var abandon = await new LiteNodeClient(session, input.Name + "/$management").RequestAsync("com.microsoft:update-disposition",
            new Map { ["lock-tokens"] = new[] { lockToken }, ["disposition-status"] = "abandoned" });
        Assert.Equal(200, abandon.ApplicationProperties["statusCode"]);
        var again = await ReceiveAsync(receiver);
        Assert.Equal("order-2", again.Body);
        Assert.Equal(1u, again.Header.DeliveryCount);
        receiver.Accept(again);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task SendVia_ReceiveFromAAndSendToBThroughA_CommitTogether()
    {
        var a = await fixture.CreateQueueAsync();
        var b = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        await SendAsync(session, a, "step-1");
        var receiver = new ReceiverLink(session, "receiver", a.Name);
        Attach? answer = null;
        var via = new SenderLink(session, "via-sender", new Attach
        {
            Source = new Source(),
            Target = new Target { Address = a.Name },
            Properties = new Fields { { TransferDestination, b.Name } },
        }, (_, attach) => answer = (Attach)attach);
        var message = await ReceiveAsync(receiver);

        using (var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await OffClientThread();
            receiver.Accept(message);
            await via.SendAsync(new Message("step-2"));
            Assert.Equal(["step-1"], Bodies(a));
            Assert.Empty(b.Peek(SubQueue.Main, 1, 10));
            await OffClientThread();
            scope.Complete();
        }

        Assert.Empty(a.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(["step-2"], Bodies(b));
        Assert.Equal(b.Name, answer!.Properties[TransferDestination]);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task SendVia_ToMissingDestination_IsRefusedWithNotFound()
    {
        var a = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var via = new SenderLink(session, "via-sender", new Attach
        {
            Source = new Source(),
            Target = new Target { Address = a.Name },
            Properties = new Fields { { TransferDestination, "no-such-queue" } },
        }, null);

        var error = await LiteHelpers.ClosedAsync(via);

        Assert.Equal("amqp:not-found", error!.Condition.ToString());
        Assert.Contains("no-such-queue", error.Description, StringComparison.Ordinal);
        await connection.CloseAsync();
    }

    private static SenderLink Coordinator(Session session, string name) =>
        new(session, name, new Attach { Source = new Source(), Target = new Coordinator { Capabilities = [new Symbol("amqp:local-transactions")] } }, null);

    private static Task<Outcome> ControlAsync(SenderLink coordinator, object body)
    {
        var outcome = new TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        coordinator.Send(new Message(body), (_, _, result, _) => outcome.TrySetResult(result), null);
        return outcome.Task.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Discharge_UnknownTxnId_IsRejectedWithUnknownId()
    {
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var coordinator = Coordinator(session, "coordinator");

        var outcome = await ControlAsync(coordinator, new Discharge { TxnId = [1, 2, 3], Fail = false });

        var rejected = Assert.IsType<Rejected>(outcome);
        Assert.Equal("amqp:transaction:unknown-id", rejected.Error.Condition.ToString());
        Assert.Contains("0x010203", rejected.Error.Description, StringComparison.Ordinal);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Discharge_Twice_SecondIsUnknownId()
    {
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var coordinator = Coordinator(session, "coordinator");
        var declared = Assert.IsType<Declared>(await ControlAsync(coordinator, new Declare()));

        Assert.IsType<Accepted>(await ControlAsync(coordinator, new Discharge { TxnId = declared.TxnId, Fail = true }));
        var second = Assert.IsType<Rejected>(await ControlAsync(coordinator, new Discharge { TxnId = declared.TxnId, Fail = false }));

        Assert.Equal("amqp:transaction:unknown-id", second.Error.Condition.ToString());
        await connection.CloseAsync();
    }

    [Fact]
    public async Task CoordinatorDetached_ItsOpenTransactionsAreRolledBack()
    {
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var first = Coordinator(session, "first");
        var declared = Assert.IsType<Declared>(await ControlAsync(first, new Declare()));
        await first.CloseAsync();

        var second = Coordinator(session, "second");
        var outcome = Assert.IsType<Rejected>(await ControlAsync(second, new Discharge { TxnId = declared.TxnId, Fail = false }));

        Assert.Equal("amqp:transaction:unknown-id", outcome.Error.Condition.ToString());
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Declare_WithGlobalId_IsRejectedAsNotImplemented()
    {
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var coordinator = Coordinator(session, "coordinator");

        var outcome = Assert.IsType<Rejected>(await ControlAsync(coordinator, new Declare { GlobalId = "xa-1" }));

        Assert.Equal("amqp:not-implemented", outcome.Error.Condition.ToString());
        await fixture.AssertServerServesAsync();
        await connection.CloseAsync();
    }

    [Fact]
    public async Task ManagementUpdateDisposition_InScope_IsAppliedOnlyAtCommit()
    {
        var queue = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        await SendAsync(session, queue, "settle-by-token");
        await SendAsync(session, queue, "settle-by-token-rolled-back");
        var receiver = new ReceiverLink(session, "receiver", queue.Name);
        receiver.SetCredit(2, CreditMode.Manual);
        var first = await receiver.ReceiveAsync(Timeout);
        var second = await receiver.ReceiveAsync(Timeout);
        var management = new LiteNodeClient(session, queue.Name + "/$management");

        using (var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await OffClientThread();
            var response = await management.RequestAsync("com.microsoft:update-disposition",
                new Map { ["lock-tokens"] = new[] { new Guid(first.DeliveryTag) }, ["disposition-status"] = "completed" });
            Assert.Equal(200, response.ApplicationProperties["statusCode"]);
            Assert.Equal(2, queue.Peek(SubQueue.Main, 1, 10).Count);
            await OffClientThread();
            scope.Complete();
        }
        using (new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await OffClientThread();
            await management.RequestAsync("com.microsoft:update-disposition",
                new Map { ["lock-tokens"] = new[] { new Guid(second.DeliveryTag) }, ["disposition-status"] = "completed" });
            await OffClientThread();
        }

        Assert.Equal(["settle-by-token-rolled-back"], Bodies(queue));
        Assert.True(queue.HoldsLock(new Guid(second.DeliveryTag)));
        await connection.CloseAsync();
    }

    [Fact]
    public async Task CoordinatorSessionEnded_ItsOpenTransactionsAreRolledBack()
    {
        var connection = await fixture.ConnectAsync();
        var coordinatorSession = new Session(connection);
        var declared = Assert.IsType<Declared>(await ControlAsync(Coordinator(coordinatorSession, "first"), new Declare()));
        await coordinatorSession.CloseAsync();

        var second = Coordinator(new Session(connection), "second");
        var outcome = Assert.IsType<Rejected>(await ControlAsync(second, new Discharge { TxnId = declared.TxnId, Fail = false }));

        Assert.Equal("amqp:transaction:unknown-id", outcome.Error.Condition.ToString());
        await connection.CloseAsync();
    }
}
