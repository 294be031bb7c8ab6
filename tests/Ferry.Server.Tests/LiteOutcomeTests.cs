using System.Diagnostics;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Server.Tests;

/// <summary>
/// AMQPNetLite, an independent AMQP implementation, settling with raw outcomes. AMQPNetLite settles on its side
/// (settled=true), so the broker does not answer; the server processes a connection's frames in order and applies
/// an outcome to the broker's state before it reads the next frame, so a <c>$management</c> peek sent afterwards on
/// the same connection sees the result without any waiting.
/// </summary>
public sealed class LiteOutcomeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Timeout = ServerFixture.Timeout;

    private async Task<(Connection Connection, Session Session, ReceiverLink Receiver, Message First, QueueEntity Queue)> SendAndReceiveAsync(
        string body, QueueSettings? settings = null, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var queue = await fixture.CreateQueueAsync(settings, test);
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var sender = new SenderLink(session, "sender", queue.Name);
        await sender.SendAsync(new Message(body) { Properties = new Properties { MessageId = body } });
        var receiver = new ReceiverLink(session, "receiver", queue.Name);
        receiver.SetCredit(1, CreditMode.Manual);
        var message = await receiver.ReceiveAsync(Timeout);
        Assert.NotNull(message);
        Assert.Equal(0u, message.Header.DeliveryCount);
        return (connection, session, receiver, message, queue);
    }

    [Fact]
    public async Task Accept_PeekAfterwards_MessageGone()
    {
        var (connection, session, receiver, message, queue) = await SendAndReceiveAsync("accept-me");
        receiver.Accept(message);
        var (status, messages) = await new LiteNodeClient(session, queue.Name + "/$management").PeekAsync(1, 10);
        Assert.Equal(204, status);
        Assert.Empty(messages);
        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Release_Message_RedeliveredWithDeliveryCountRaised()
    {
        var (connection, _, receiver, message, _) = await SendAndReceiveAsync("release-me");
        receiver.Release(message);
        receiver.SetCredit(1, CreditMode.Manual);
        var again = await receiver.ReceiveAsync(Timeout);
        Assert.NotNull(again);
        Assert.Equal("release-me", again.Body);
        Assert.Equal(1u, again.Header.DeliveryCount);
        receiver.Accept(again);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Modify_DeliveryFailed_RedeliveredWithDeliveryCountRaised()
    {
        var (connection, _, receiver, message, _) = await SendAndReceiveAsync("modify-me");
        receiver.Modify(message, deliveryFailed: true, undeliverableHere: false);
        receiver.SetCredit(1, CreditMode.Manual);
        var again = await receiver.ReceiveAsync(Timeout);
        Assert.NotNull(again);
        Assert.Equal("modify-me", again.Body);
        Assert.Equal(message.Header.DeliveryCount + 1, again.Header.DeliveryCount);
        Assert.Equal(message.MessageAnnotations[new Symbol("x-opt-sequence-number")], again.MessageAnnotations[new Symbol("x-opt-sequence-number")]);
        receiver.Accept(again);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Modify_UndeliverableHere_MessageDeferred()
    {
        var (connection, session, receiver, message, queue) = await SendAndReceiveAsync("defer-me");
        receiver.Modify(message, deliveryFailed: false, undeliverableHere: true);
        var (status, peeked) = await new LiteNodeClient(session, queue.Name + "/$management").PeekAsync(1, 10);
        Assert.Equal(200, status);
        var only = Assert.Single(peeked);
        Assert.Equal(1, only.MessageAnnotations[new Symbol("x-opt-message-state")]);
        var state = Assert.Single(queue.Peek(SubQueue.Main, 1, 10));
        Assert.Equal(MessageState.Deferred, state.State);
        // A deferred message is not delivered again on the link.
        receiver.SetCredit(1, CreditMode.Manual);
        Assert.Null(await receiver.ReceiveAsync(TimeSpan.FromMilliseconds(300)));
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Reject_DeadLetterCondition_MovedToDeadLetterQueueWithReason()
    {
        var (connection, session, receiver, message, queue) = await SendAndReceiveAsync("reject-me");
        receiver.Reject(message, new Error(new Symbol("com.microsoft:dead-letter"))
        {
            Info = new Fields { [new Symbol("DeadLetterReason")] = "BadInput", [new Symbol("DeadLetterErrorDescription")] = "field x is missing" },
        });
        var dlq = new ReceiverLink(session, "dlq-receiver", queue.Name + "/$DeadLetterQueue");
        var dead = await dlq.ReceiveAsync(Timeout);
        Assert.NotNull(dead);
        Assert.Equal("reject-me", dead.Body);
        Assert.Equal("BadInput", dead.ApplicationProperties["DeadLetterReason"]);
        Assert.Equal("field x is missing", dead.ApplicationProperties["DeadLetterErrorDescription"]);
        dlq.Accept(dead);
        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
        await connection.CloseAsync();
    }

    [Fact]
    public async Task AbandonWithDelay_RetryAfterAnnotation_RedeliveredOnlyAfterDelay()
    {
        var (connection, _, receiver, message, _) = await SendAndReceiveAsync("later");
        var clock = Stopwatch.StartNew();
        receiver.Modify(message, deliveryFailed: false, undeliverableHere: false,
            new Fields { [new Symbol("com.ferry:retry-after-ms")] = 1000 });
        receiver.SetCredit(1, CreditMode.Manual);
        var again = await receiver.ReceiveAsync(Timeout);
        clock.Stop();
        Assert.NotNull(again);
        Assert.Equal("later", again.Body);
        // Loose lower bound: the timer may fire a little early on a coarse clock, never half a second early.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"Redelivered after {clock.Elapsed.TotalMilliseconds:0} ms, before the 1000 ms retry-after.");
        Assert.Equal(1u, again.Header.DeliveryCount);
        // The extension annotation is consumed by the broker, not copied onto the message.
        Assert.False(again.ApplicationProperties?.Map.ContainsKey("com.ferry:retry-after-ms") ?? false);
        receiver.Accept(again);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Transfer_DeliveryTag_IsLockTokenInDotNetGuidOrder()
    {
        var (connection, _, receiver, message, queue) = await SendAndReceiveAsync("tagged");
        var tag = message.DeliveryTag;
        Assert.Equal(16, tag.Length);
        var lockToken = new Guid(tag); // .NET byte order: the first three groups little-endian
        Assert.True(queue.HoldsLock(lockToken));
        Assert.False(queue.HoldsLock(new Guid(tag, bigEndian: true)));
        receiver.Accept(message);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Transfer_BrokerAnnotations_PresentWithServiceBusTypes()
    {
        var (connection, _, receiver, message, queue) = await SendAndReceiveAsync("annotated");
        var annotations = message.MessageAnnotations;
        var sequenceNumber = Assert.IsType<long>(annotations[new Symbol("x-opt-sequence-number")]);
        Assert.Equal(queue.LastSequenceNumber, sequenceNumber);
        var enqueued = Assert.IsType<DateTime>(annotations[new Symbol("x-opt-enqueued-time")]); // AMQP timestamp
        Assert.InRange(enqueued, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        var lockedUntil = Assert.IsType<DateTime>(annotations[new Symbol("x-opt-locked-until")]);
        Assert.True(lockedUntil > enqueued);
        Assert.Equal(0, Assert.IsType<int>(annotations[new Symbol("x-opt-message-state")]));
        Assert.Equal("annotated", message.Properties.MessageId);
        receiver.Accept(message);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task ReceiveAndDelete_SettledSenderMode_MessageRemovedOnDelivery()
    {
        var queue = await fixture.CreateQueueAsync();
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        var sender = new SenderLink(session, "sender", queue.Name);
        for (var i = 0; i < 3; i++)
            await sender.SendAsync(new Message($"m{i}"));
        var receiver = new ReceiverLink(session, "rad", new Attach
        {
            Source = new Source { Address = queue.Name },
            Target = new Target(),
            SndSettleMode = SenderSettleMode.Settled,
            RcvSettleMode = ReceiverSettleMode.First,
        }, null);
        for (var i = 0; i < 3; i++)
        {
            var message = await receiver.ReceiveAsync(Timeout);
            Assert.NotNull(message);
            Assert.Equal($"m{i}", message.Body);
            Assert.False(message.MessageAnnotations.Map.ContainsKey(new Symbol("x-opt-locked-until")), "a receive-and-delete message holds no lock");
        }
        // Receive-and-delete removes each message as it is handed out.
        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
        await connection.CloseAsync();
    }
}
