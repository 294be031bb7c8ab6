using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Server.Tests;

/// <summary>Transaction frames driven by hand: what the broker answers to txn-ids it does not know.</summary>
public sealed class RawTransactionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static byte[] AmqpMessage(string text)
    {
        var writer = new AmqpWriter(64);
        try
        {
            writer.WriteDescriptor(Descriptor.AmqpValue);
            writer.WriteValue(text);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Fact]
    public async Task Transfer_WithUnknownTxnId_IsRejectedWithUnknownId_NothingStored_LinkCarriesOn()
    {
        var queue = await fixture.CreateQueueAsync();
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        await client.AttachSenderAsync(0, 0, queue.Name);
        await client.ExpectAsync<Flow>();

        await client.SendFrameAsync(0, new Transfer
        {
            Handle = 0,
            DeliveryId = 0,
            DeliveryTag = [1],
            MessageFormat = 0,
            State = new TransactionalState { TxnId = [0xDE, 0xAD] },
        }, AmqpMessage("in a transaction nobody declared"));
        var rejected = await client.ExpectAsync<Disposition>();
        var error = Assert.IsType<Rejected>(rejected.State).Error!;
        Assert.Equal(AmqpErrorCode.TransactionUnknownId, error.Condition.Value);
        Assert.Contains("0xDEAD", error.Description, StringComparison.Ordinal);

        await client.SendFrameAsync(0, new Transfer { Handle = 0, DeliveryId = 1, DeliveryTag = [2], MessageFormat = 0 }, AmqpMessage("plain"));
        Assert.IsType<Accepted>((await client.ExpectAsync<Disposition>()).State);
        Assert.Single(queue.Peek(SubQueue.Main, 1, 10));
    }

    [Fact]
    public async Task Disposition_WithUnknownTxnId_IsRejectedWithUnknownId_MessageStaysLocked()
    {
        var queue = await fixture.CreateQueueAsync();
        await queue.SendAsync([new IncomingMessage { Body = AmqpMessage("work"), MessageId = "work" }]);
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        await client.AttachReceiverAsync(0, 0, queue.Name);
        await client.FlowAsync(0, 0, deliveryCount: 0, credit: 1);
        var transfer = await client.ExpectAsync<Transfer>();

        await client.SendFrameAsync(0, new Disposition
        {
            Role = Role.Receiver,
            First = transfer.DeliveryId!.Value,
            State = new TransactionalState { TxnId = [7], Outcome = Accepted.Instance },
        });
        var answer = await client.ExpectAsync<Disposition>();

        Assert.Equal(AmqpErrorCode.TransactionUnknownId, Assert.IsType<Rejected>(answer.State).Error!.Condition.Value);
        Assert.True(queue.HoldsLock(new Guid(transfer.DeliveryTag!)));
    }
}
