using System.Diagnostics;
using Ferry.Amqp;
using Ferry.Broker;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Amqp;

/// <summary>
/// A client's sender link to a queue or topic: each message (or 0x80013700 batch) becomes one atomic broker send. A
/// delivery carrying transactional-state is enlisted in that transaction instead and enqueued when it commits
/// (AMQP 1.0 §4.4.1). With send-via the link is attached to one entity and sends to another (its target).
/// </summary>
internal sealed class EntitySenderLink : IncomingLink
{
    public override LinkKind Kind => LinkKind.Send;

    /// <summary>Service Bus batch format: the body is data sections, each a complete encoded message (reference §3.3).</summary>
    public const uint BatchMessageFormat = 0x80013700;

    private static readonly Accepted AcceptedOutcome = new();
    private readonly ISendTarget _target;

    public EntitySenderLink(AmqpSession session, Attach attach, ISendTarget target) : base(session, attach, creditWindow: 1000)
    {
        _target = target;
    }

    private int _closed;

    public override void OnAttached()
    {
        _target.TrackSender(+1);
        base.OnAttached();
    }

    public override void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
            _target.TrackSender(-1);
        base.Close();
    }

    /// <summary>Announced in the attach: the queue's MaxMessageSizeInKilobytes.</summary>
    public ulong MaxMessageSize => (ulong)_target.MaxMessageSize;

    // Batches carry framing overhead around their messages; the broker checks each message's own size.
    protected override long MessageSizeLimit => (long)QueueSettings.MaxMessageSizeLimitInKilobytes * 1024 + 64 * 1024;

    protected override void OnMessage(uint deliveryId, bool settled, uint messageFormat, ReadOnlyMemory<byte> message, DeliveryState? state)
    {
        IReadOnlyList<IncomingMessage> messages;
        try
        {
            messages = messageFormat == BatchMessageFormat
                ? ServiceBusMessageCodec.UnpackBatch(message, Connection.Time.GetUtcNow(), _target.EvaluatesRules)
                : [ServiceBusMessageCodec.ToIncoming(message, Connection.Time.GetUtcNow(), _target.EvaluatesRules)];
        }
        catch (BrokerException ex)
        {
            Settle(deliveryId, settled, new Rejected(ServiceBusErrors.From(ex)));
            return;
        }
        catch (AmqpDecodeException ex)
        {
            Settle(deliveryId, settled, new Rejected(new AmqpError(ServiceBusErrors.ArgumentError, $"The message could not be decoded: {ex.Message}")));
            return;
        }
        if (state is TransactionalState txn)
        {
            Enlist(deliveryId, settled, txn.TxnId, messages);
            return;
        }
        _ = SendAsync(deliveryId, settled, messages);
    }

    /// <summary>Transactional posting (§4.4.1): answered with transactional-state (accepted, or rejected with the reason).</summary>
    private void Enlist(uint deliveryId, bool settled, byte[] txnId, IReadOnlyList<IncomingMessage> messages)
    {
        if (!Connection.TryGetTransaction(txnId, out var transaction))
        {
            Settle(deliveryId, settled, new Rejected(ServiceBusErrors.UnknownTransaction(txnId)));
            return;
        }
        DeliveryState outcome = AcceptedOutcome;
        try
        {
            transaction.EnlistSend(_target, messages);
        }
        catch (BrokerException ex)
        {
            if (settled)
                transaction.MarkRollbackOnly(ex);
            outcome = new Rejected(ServiceBusErrors.FromTransactional(ex));
        }
        Settle(deliveryId, settled, new TransactionalState { TxnId = txnId, Outcome = outcome });
    }

    private async Task SendAsync(uint deliveryId, bool settled, IReadOnlyList<IncomingMessage> messages)
    {
        DeliveryState outcome;
        using var activity = FerryTelemetry.StartSend(_target.Name, messages);
        try
        {
            await _target.SendAsync(messages).ConfigureAwait(false);
            outcome = AcceptedOutcome;
        }
        catch (BrokerException ex)
        {
            outcome = new Rejected(ServiceBusErrors.From(ex));
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
        }
        catch (Exception ex)
        {
            Connection.Logger.LogError(ex, "Sending to {Entity} failed.", _target.Name);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            outcome = new Rejected(new AmqpError(ServiceBusErrors.InternalError, $"The send failed inside Ferry: {ex.Message}"));
        }
        // The span ends when the send is durable, before the client hears so.
        activity?.Stop();
        Settle(deliveryId, settled, outcome);
    }
}
