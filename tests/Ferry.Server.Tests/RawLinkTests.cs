using System.Text;
using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Server.Tests;

/// <summary>
/// Link-level behaviour seen frame by frame with a hand-driven client: the settled disposition the broker answers
/// each outcome with, drain, and pre-settled deliveries.
/// </summary>
public sealed class RawLinkTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    public enum OutcomeKind
    {
        Accepted,
        Released,
        ModifiedFailed,
        ModifiedUndeliverableHere,
        RejectedDeadLetter,
    }

    private static IncomingMessage Message(string text, string id) => new() { Body = AmqpMessage(text, id), MessageId = id };

    /// <summary>An encoded message: properties with a message-id and an amqp-value string body.</summary>
    private static byte[] AmqpMessage(string text, string id)
    {
        var writer = new AmqpWriter(128);
        try
        {
            new Properties { MessageId = id }.Encode(ref writer);
            writer.WriteDescriptor(Descriptor.AmqpValue);
            writer.WriteValue(text);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static DeliveryState Outcome(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Accepted => new Accepted(),
        OutcomeKind.Released => new Released(),
        OutcomeKind.ModifiedFailed => new Modified { DeliveryFailed = true },
        OutcomeKind.ModifiedUndeliverableHere => new Modified { DeliveryFailed = false, UndeliverableHere = true },
        _ => new Rejected(new AmqpError("com.microsoft:dead-letter")
        {
            Info = new AmqpMap { [new AmqpSymbol("DeadLetterReason")] = "Poison", [new AmqpSymbol("DeadLetterErrorDescription")] = "cannot parse" },
        }),
    };

    private async Task<(RawAmqpClient Client, Transfer Transfer, QueueEntity Queue)> ReceiveOneAsync(string test)
    {
        var queue = await fixture.CreateQueueAsync(test: test);
        await queue.SendAsync([Message("payload", "m1")]);
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        var attach = await client.AttachReceiverAsync(0, 0, queue.Name);
        Assert.Equal(queue.Name, attach.Source?.Address);
        await client.FlowAsync(0, 0, deliveryCount: 0, credit: 1);
        var transfer = await client.ExpectAsync<Transfer>();
        Assert.False(transfer.Settled ?? false);
        return (client, transfer, queue);
    }

    [Theory]
    [InlineData(OutcomeKind.Accepted)]
    [InlineData(OutcomeKind.Released)]
    [InlineData(OutcomeKind.ModifiedFailed)]
    [InlineData(OutcomeKind.ModifiedUndeliverableHere)]
    [InlineData(OutcomeKind.RejectedDeadLetter)]
    public async Task Disposition_UnsettledOutcome_BrokerAnswersSettledAcceptedAndAppliesIt(OutcomeKind kind)
    {
        var (client, transfer, queue) = await ReceiveOneAsync($"Disposition{kind}");
        await client.SendFrameAsync(0, new Disposition { Role = Role.Receiver, First = transfer.DeliveryId!.Value, Settled = false, State = Outcome(kind) });
        var reply = await client.ExpectAsync<Disposition>();
        Assert.Equal(Role.Sender, reply.Role);
        Assert.Equal(transfer.DeliveryId, reply.First);
        Assert.True(reply.Settled);
        // Never an echo of the client's rejected outcome: the SDKs treat any error in the reply as a failure.
        Assert.IsType<Accepted>(reply.State);

        // The reply comes after the broker applied the outcome, so its state is visible at once.
        var main = queue.Peek(SubQueue.Main, 1, 10);
        var dead = queue.Peek(SubQueue.DeadLetter, 1, 10);
        switch (kind)
        {
            case OutcomeKind.Accepted:
                Assert.Empty(main);
                Assert.Empty(dead);
                break;
            case OutcomeKind.Released:
            case OutcomeKind.ModifiedFailed:
                Assert.Equal(MessageState.Active, Assert.Single(main).State);
                Assert.Equal(1, main[0].DeliveryCount);
                await client.FlowAsync(0, 0, deliveryCount: 1, credit: 1);
                var redelivery = await client.ExpectAsync<Transfer>();
                Assert.NotEqual(transfer.DeliveryTag, redelivery.DeliveryTag); // a new lock
                break;
            case OutcomeKind.ModifiedUndeliverableHere:
                Assert.Equal(MessageState.Deferred, Assert.Single(main).State);
                break;
            case OutcomeKind.RejectedDeadLetter:
                Assert.Empty(main);
                var message = Assert.Single(dead);
                Assert.Equal("Poison", message.PropertyOverrides?["DeadLetterReason"]);
                Assert.Equal("cannot parse", message.PropertyOverrides?["DeadLetterErrorDescription"]);
                break;
        }
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Disposition_AfterLockLost_AnsweredWithRejectedMessageLockLost()
    {
        var (client, transfer, _) = await ReceiveOneAsync(nameof(Disposition_AfterLockLost_AnsweredWithRejectedMessageLockLost));
        var id = transfer.DeliveryId!.Value;
        await client.SendFrameAsync(0, new Disposition { Role = Role.Receiver, First = id, Settled = false, State = new Accepted() });
        Assert.IsType<Accepted>((await client.ExpectAsync<Disposition>()).State);
        // The same delivery again: already settled, so its lock is gone.
        await client.SendFrameAsync(0, new Disposition { Role = Role.Receiver, First = id, Settled = false, State = new Accepted() });
        var reply = await client.ExpectAsync<Disposition>();
        Assert.True(reply.Settled);
        Assert.Equal("com.microsoft:message-lock-lost", Assert.IsType<Rejected>(reply.State).Error?.Condition.Value);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Drain_EmptyQueue_CreditZeroAndDeliveryCountAdvanced()
    {
        var queue = await fixture.CreateQueueAsync();
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        await client.AttachReceiverAsync(0, 3, queue.Name);
        await client.FlowAsync(0, 3, deliveryCount: 0, credit: 5, drain: true);
        var flow = await client.ExpectAsync<Flow>();
        Assert.Equal(3u, flow.Handle);
        Assert.True(flow.Drain);
        Assert.Equal(0u, flow.LinkCredit);
        Assert.Equal(5u, flow.DeliveryCount);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Drain_TwoMessagesReady_DeliversThemThenAdvancesCountPastUnusedCredit()
    {
        var queue = await fixture.CreateQueueAsync();
        await queue.SendAsync([Message("a", "a"), Message("b", "b")]);
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        await client.AttachReceiverAsync(0, 0, queue.Name);
        await client.FlowAsync(0, 0, deliveryCount: 0, credit: 5, drain: true);
        var before = new List<RawFrame>();
        var flow = await client.ExpectAsync<Flow>(skipped: before);
        Assert.Equal(2, before.Count(f => f.Performative is Transfer));
        Assert.Equal(0u, flow.LinkCredit);
        Assert.Equal(5u, flow.DeliveryCount);
        Assert.True(flow.Drain);
        // Credit again after the drain: nothing is delivered twice, a third message arrives normally.
        await queue.SendAsync([Message("c", "c")]);
        await client.FlowAsync(0, 0, deliveryCount: 5, credit: 1);
        var frame = await client.ExpectFrameAsync<Transfer>();
        Assert.Equal(2u, ((Transfer)frame.Performative).DeliveryId);
        Assert.Equal("c", MessageReader.GetMessageId(frame.Payload, MessageSections.Scan(frame.Payload)));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task ReceiveAndDelete_SettledSenderMode_TransfersArrivePreSettled()
    {
        var queue = await fixture.CreateQueueAsync();
        await queue.SendAsync([Message("x", "x")]);
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        var attach = await client.AttachReceiverAsync(0, 0, queue.Name, SenderSettleMode.Settled);
        Assert.Equal(SenderSettleMode.Settled, attach.SndSettleMode);
        await client.FlowAsync(0, 0, deliveryCount: 0, credit: 1);
        var transfer = await client.ExpectAsync<Transfer>();
        Assert.True(transfer.Settled);
        Assert.Empty(queue.Peek(SubQueue.Main, 1, 10));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Send_ManyUnsettledAtOnce_EveryDeliveryAcceptedExactlyOnce()
    {
        const int Count = 50;
        var queue = await fixture.CreateQueueAsync(test: nameof(Send_ManyUnsettledAtOnce_EveryDeliveryAcceptedExactlyOnce));
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        await client.AttachSenderAsync(0, 0, queue.Name);
        await client.ExpectAsync<Flow>();

        // All in one write, so the broker finishes several sends before its writer takes the output: their accepted
        // dispositions may come back as ranges (first..last), which must cover every delivery once.
        var bytes = new List<byte>();
        for (var i = 0; i < Count; i++)
        {
            bytes.AddRange(RawAmqpClient.Frame(FrameType.Amqp, 0,
                new Transfer { Handle = 0, DeliveryId = (uint)i, DeliveryTag = [(byte)i], MessageFormat = 0 }, AmqpMessage($"m{i}", $"m{i}")));
        }
        await client.SendAsync(bytes.ToArray());

        var accepted = new int[Count];
        var covered = 0;
        while (covered < Count)
        {
            var disposition = await client.ExpectAsync<Disposition>();
            Assert.Equal(Role.Receiver, disposition.Role);
            Assert.True(disposition.Settled);
            Assert.IsType<Accepted>(disposition.State);
            for (var id = disposition.First; id <= (disposition.Last ?? disposition.First); id++)
            {
                accepted[id]++;
                covered++;
            }
        }
        Assert.All(accepted, n => Assert.Equal(1, n));
        Assert.Equal(Count, queue.Peek(SubQueue.Main, 1, 100).Count);
        await client.DisposeAsync();
    }
}
