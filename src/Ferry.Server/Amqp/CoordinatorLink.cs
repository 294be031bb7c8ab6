using Ferry.Amqp;
using Ferry.Broker;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Amqp;

/// <summary>
/// A client's sender link to a transaction coordinator (AMQP 1.0 §4.2, §4.3): each message is a declare, answered
/// with a declared outcome carrying a new txn-id, or a discharge, answered with accepted once the transaction is
/// committed (durable) or rolled back, or rejected with <c>amqp:transaction:rollback</c> (the commit failed, and nothing
/// was applied), <c>amqp:transaction:timeout</c> or <c>amqp:transaction:unknown-id</c>. Transactions still open
/// when the link goes away (detach, session end, connection loss) are rolled back.
/// </summary>
internal sealed class CoordinatorLink : IncomingLink
{
    private static readonly Accepted AcceptedOutcome = new();

    public CoordinatorLink(AmqpSession session, Attach attach) : base(session, attach, creditWindow: 100)
    {
    }

    // A declare or discharge is a few dozen bytes.
    protected override long MessageSizeLimit => 64 * 1024;

    protected override void OnMessage(uint deliveryId, bool settled, uint messageFormat, ReadOnlyMemory<byte> message, DeliveryState? state)
    {
        IAmqpComposite control;
        try
        {
            control = TransactionControl.Decode(message.Span);
        }
        catch (AmqpDecodeException ex)
        {
            Settle(deliveryId, settled, new Rejected(new AmqpError(AmqpErrorCode.DecodeError, $"The coordinator could not read the message: {ex.Message}")));
            return;
        }
        switch (control)
        {
            case Declare { GlobalId: not null }:
                Settle(deliveryId, settled, new Rejected(new AmqpError(AmqpErrorCode.NotImplemented,
                    "Ferry supports local transactions only (amqp:local-transactions); a declare with a global-id asks for a distributed transaction.")));
                break;
            case Declare:
                Settle(deliveryId, settled, new Declared(Connection.DeclareTransaction(this)));
                break;
            case Discharge discharge:
                _ = DischargeAsync(deliveryId, settled, discharge);
                break;
        }
    }

    private async Task DischargeAsync(uint deliveryId, bool settled, Discharge discharge)
    {
        if (!Connection.TryRemoveTransaction(discharge.TxnId, out var transaction))
        {
            Settle(deliveryId, settled, new Rejected(ServiceBusErrors.UnknownTransaction(discharge.TxnId)));
            return;
        }
        DeliveryState outcome = AcceptedOutcome;
        if (discharge.Fail)
        {
            transaction.Rollback();
        }
        else
        {
            try
            {
                await transaction.CommitAsync().ConfigureAwait(false);
            }
            catch (BrokerException ex) when (ex.Code == BrokerErrorCode.Timeout)
            {
                outcome = new Rejected(new AmqpError(AmqpErrorCode.TransactionTimeout, ex.Message));
            }
            catch (BrokerException ex)
            {
                outcome = new Rejected(new AmqpError(AmqpErrorCode.TransactionRollback, $"The transaction was rolled back; nothing of it was applied. {ex.Message}"));
            }
            catch (Exception ex)
            {
                Connection.Logger.LogError(ex, "Committing transaction 0x{TxnId} failed.", Convert.ToHexString(discharge.TxnId));
                outcome = new Rejected(new AmqpError(AmqpErrorCode.TransactionRollback, $"The transaction was rolled back: the commit failed inside Ferry: {ex.Message}"));
            }
        }
        Settle(deliveryId, settled, outcome);
    }

    public override void Close()
    {
        Connection.RollbackTransactionsOf(this);
        base.Close();
    }
}
