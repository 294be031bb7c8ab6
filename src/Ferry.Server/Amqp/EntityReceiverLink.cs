using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Storage;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Amqp;

/// <summary>
/// A client's receiver link on a queue or its dead-letter queue. It is the broker receiver's sink: the entity pushes
/// messages while the link has credit, and each becomes a transfer tagged with its lock token in .NET GUID byte order.
/// </summary>
internal sealed class EntityReceiverLink : AmqpLink, IDeliverySink
{
    public override LinkKind Kind => LinkKind.Receive;

    /// <summary>Ferry's abandon-with-delay extension: this message-annotation (milliseconds) on a modified outcome.</summary>
    public static readonly AmqpSymbol RetryAfterAnnotation = "com.ferry:retry-after-ms";

    private static readonly Accepted AcceptedOutcome = new();
    private readonly QueueEntity _queue;
    private Receiver _receiver = null!;
    private readonly bool _presettled;

    // Every delivery's transfer is filled and encoded under the connection's lock and not kept after it (the encoder copies
    // the tag into the frame): one performative and one tag buffer per link instead of one of each per delivery. A
    // presettled tag is the sequence number in the first 8 bytes, the rest staying zero, as a fresh array had them.
    private readonly Transfer _transfer;
    private readonly byte[] _tag = new byte[16];
    private int _closed;

    // The link's delivery-count on the wire is the broker's Delivered plus the credit drains gave up: a drain advances
    // the delivery-count past the unused credit (§2.6.7), which the broker's receiver never counts as deliveries.
    // Touched only on the read loop.
    private uint _drainedCredit;

    private readonly ReceiveMode _mode;

    public EntityReceiverLink(AmqpSession session, Attach attach, QueueEntity queue, SubQueue subQueue, ReceiveMode mode, bool sessionful = false)
        : base(session, attach)
    {
        _queue = queue;
        _presettled = mode == ReceiveMode.ReceiveAndDelete;
        _transfer = new Transfer { DeliveryTag = _tag, MessageFormat = 0, Settled = _presettled };
        _mode = mode;
        if (!sessionful)
            _receiver = queue.CreateReceiver(subQueue, mode, this);
    }

    /// <summary>
    /// For a session receiver: accepts the named session (or the next free one) and becomes its receiver. Throws the
    /// broker's SessionCannotBeLocked or Timeout when there is none.
    /// </summary>
    public async Task<Receiver> AcceptSessionAsync(string? sessionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _receiver = await _queue.AcceptSessionAsync(sessionId, _mode, this, timeout, cancellationToken).ConfigureAwait(false);
        return _receiver;
    }

    /// <summary>
    /// Credit (§2.6.7): the client's delivery-count plus link-credit is the total number of deliveries it allows.
    /// Drain: deliver what is ready, then give up the rest and tell the client where the count ended.
    /// </summary>
    public override void OnFlow(Flow flow)
    {
        if (flow.LinkCredit is { } credit)
        {
            var delivered = _receiver.Delivered;
            // Unwrap the client's 32-bit delivery-count against ours (RFC 1982 serial arithmetic).
            var clientCount = flow.DeliveryCount ?? 0u;
            var behind = unchecked((uint)delivered + _drainedCredit - clientCount);
            var limit = delivered - behind + credit;
            _receiver.SetDeliveryLimit(limit);
            if (flow.Drain)
            {
                // §2.6.7: deliver what is ready, then consume the rest of the credit by advancing the delivery-count.
                var total = _receiver.Drain();
                if (limit > total)
                    _drainedCredit = unchecked(_drainedCredit + (uint)(limit - total));
                Session.WriteLinkFlow(Handle, WireDeliveryCount(total), 0, drain: true);
                return;
            }
        }
        if (flow.Echo)
            Session.WriteLinkFlow(Handle, WireDeliveryCount(_receiver.Delivered), (uint)_receiver.Credit);
    }

    private uint WireDeliveryCount(long delivered) => unchecked((uint)delivered + _drainedCredit);

    /// <summary>Deliveries pause while the connection's output is backed up (a peer that stops reading).</summary>
    public bool IsSaturated => Connection.IsOutputSaturated;

    /// <summary>The connection's output drained: deliver again within the credit the client gave.</summary>
    public void Resume()
    {
        if (Volatile.Read(ref _closed) == 0)
            _receiver?.Resume();
    }

    /// <summary>Called under the entity's lock: encode and write at once so transfers keep the entity's order.</summary>
    public void OnDelivery(Receiver receiver, BrokerMessage message)
    {
        // A message whose body is in the store only (recovered, or past the broker's body memory) is read back first. While
        // any such read is pending, later deliveries queue behind it, so the link sends in the entity's order even when a
        // read completes later (the SQLite engine reads synchronously today, so the queue is then empty again at once).
        lock (_waitingForBodies)
        {
            if (_readingBodies || !message.IsBodyLoaded)
            {
                _waitingForBodies.Enqueue(message);
                if (!_readingBodies)
                {
                    _readingBodies = true;
                    _ = ReadBodiesAndSendAsync();
                }
                return;
            }
        }
        Send(message, message.Body);
    }

    private readonly Queue<BrokerMessage> _waitingForBodies = new();
    private bool _readingBodies;

    private async Task ReadBodiesAndSendAsync()
    {
        while (true)
        {
            BrokerMessage message;
            lock (_waitingForBodies)
            {
                if (!_waitingForBodies.TryDequeue(out message!))
                {
                    _readingBodies = false;
                    return;
                }
            }
            try
            {
                var body = message.IsBodyLoaded ? message.Body : await _queue.LoadBodyAsync(message).ConfigureAwait(false);
                if (body is { } loaded)
                    Send(message, loaded);
            }
            catch (Exception ex)
            {
                Connection.Logger.LogError(ex, "Loading message {SequenceNumber} of {Entity} from the store failed.", message.SequenceNumber, _queue.Name);
            }
        }
    }

    private void Send(BrokerMessage message, ReadOnlyMemory<byte> stored)
    {
        var body = ServiceBusMessageCodec.DeliveredBody(message, stored);
        var sections = MessageSections.Scan(body.Span);
        var (header, annotations, applicationProperties) = ServiceBusMessageCodec.DeliveryParts(message, body.Span, sections);
        FerryTelemetry.Delivered(_queue.Name, message, body.Span, sections);
        lock (Connection.SyncRoot)
        {
            if (!Connection.TryGetOutput(out var output))
                return;
            var transfer = _transfer;
            if (_presettled)
                BitConverter.TryWriteBytes(_tag, message.SequenceNumber);
            else
                message.LockToken.TryWriteBytes(_tag); // .NET GUID byte order, as the SDKs expect (reference §4.4)
            transfer.Handle = Handle;
            transfer.DeliveryId = Session.AllocateDelivery(this, message.LockToken, _presettled);
            DeliveryWriter.WriteTransfer(output, Session.Channel, transfer, body.Span, sections, header, annotations, Connection.OutgoingMaxFrameSize,
                applicationProperties);
        }
        Connection.SignalOutput();
    }

    /// <summary>Applies the client's outcome for one delivery, then answers with a settled disposition (reference §5.1).</summary>
    public void Settle(uint deliveryId, Guid lockToken, DeliveryState? state, bool reply)
    {
        if (state is TransactionalState txn)
        {
            SettleInTransaction(deliveryId, lockToken, txn, reply);
            return;
        }
        _ = SettleAsync(deliveryId, lockToken, state, reply);
    }

    /// <summary>
    /// Transactional retirement (AMQP 1.0 §4.4.2): the outcome is enlisted and applied when the transaction commits; the
    /// message stays locked meanwhile. Answered with transactional-state (accepted, or rejected with the reason). When
    /// the client settled the delivery and cannot be told of a failure, the transaction is marked to roll back.
    /// </summary>
    private void SettleInTransaction(uint deliveryId, Guid lockToken, TransactionalState txn, bool reply)
    {
        if (!Connection.TryGetTransaction(txn.TxnId, out var transaction))
        {
            var unknown = ServiceBusErrors.UnknownTransaction(txn.TxnId);
            if (reply)
                Connection.WriteFrame(Session.Channel, new Disposition { Role = Role.Sender, First = deliveryId, Settled = true, State = new Rejected(unknown) });
            else
                DetachWithError(unknown.Condition, unknown.Description!);
            return;
        }
        DeliveryState outcome = AcceptedOutcome;
        try
        {
            if (ToSettlement(txn.Outcome) is { } settlement)
                transaction.EnlistSettlement(_queue, lockToken, settlement, () => Session.ForgetDelivery(deliveryId, lockToken));
        }
        catch (BrokerException ex)
        {
            if (!reply)
                transaction.MarkRollbackOnly(ex);
            outcome = new Rejected(ServiceBusErrors.FromTransactional(ex));
        }
        if (reply)
        {
            Connection.WriteFrame(Session.Channel, new Disposition
            {
                Role = Role.Sender,
                First = deliveryId,
                Settled = true,
                State = new TransactionalState { TxnId = txn.TxnId, Outcome = outcome },
            });
        }
    }

    // Settlements are immutable: the common outcomes share one instance instead of one per disposition.
    private static readonly Settlement CompleteSettlement = new(SettlementKind.Complete);
    private static readonly Settlement ReleaseSettlement = new(SettlementKind.Abandon);

    /// <summary>The settlement an outcome asks for (reference §5.1); null for none (no outcome, or received).</summary>
    private static Settlement? ToSettlement(DeliveryState? outcome)
    {
        switch (outcome)
        {
            case Accepted:
                return CompleteSettlement;
            case Modified { UndeliverableHere: true } modified:
                return new Settlement(SettlementKind.Defer, ServiceBusMessageCodec.ToProperties(modified.MessageAnnotations));
            case Modified modified:
                var (properties, retryAfter) = SplitRetryAfter(modified.MessageAnnotations);
                return new Settlement(SettlementKind.Abandon, properties, RetryAfter: retryAfter);
            case Rejected rejected:
                var (reason, description, extra) = ServiceBusMessageCodec.ReadDeadLetterInfo(rejected.Error);
                return new Settlement(SettlementKind.DeadLetter, extra, reason, description);
            case Released:
                return ReleaseSettlement;
            default:
                return null;
        }
    }

    private async Task SettleAsync(uint deliveryId, Guid lockToken, DeliveryState? state, bool reply)
    {
        DeliveryState outcome = AcceptedOutcome;
        try
        {
            // No outcome (or received): nothing to do; the lock runs out on its own.
            if (ToSettlement(state) is { } settlement)
                await _queue.SettleAsync(lockToken, settlement).ConfigureAwait(false);
        }
        catch (BrokerException ex)
        {
            outcome = new Rejected(ServiceBusErrors.From(ex));
        }
        catch (Exception ex)
        {
            Connection.Logger.LogError(ex, "Settling a delivery of {Entity} failed.", _queue.Name);
            outcome = new Rejected(new AmqpError(ServiceBusErrors.InternalError, $"Settlement failed inside Ferry: {ex.Message}"));
        }
        if (reply)
            Connection.WriteFrame(Session.Channel, new Disposition { Role = Role.Sender, First = deliveryId, Settled = true, State = outcome });
    }

    private static (IReadOnlyDictionary<string, object?>? Properties, TimeSpan? RetryAfter) SplitRetryAfter(AmqpMap? annotations)
    {
        var properties = ServiceBusMessageCodec.ToProperties(annotations);
        if (properties is null || !properties.TryGetValue(RetryAfterAnnotation.Value, out var value))
            return (properties, null);
        var rest = new Dictionary<string, object?>(properties, StringComparer.Ordinal);
        rest.Remove(RetryAfterAnnotation.Value);
        var delay = value switch
        {
            int ms => TimeSpan.FromMilliseconds(ms),
            long ms => TimeSpan.FromMilliseconds(ms),
            uint ms => TimeSpan.FromMilliseconds(ms),
            ulong ms => TimeSpan.FromMilliseconds(ms),
            double ms => TimeSpan.FromMilliseconds(ms),
            _ => (TimeSpan?)null,
        };
        return (rest.Count == 0 ? null : rest, delay);
    }

    /// <summary>The broker closed the receiver (entity deleted or disabled, shutdown): detach with its error.</summary>
    public void OnClosed(Receiver receiver, BrokerException reason) =>
        _ = Task.Run(() => DetachWithError(ServiceBusErrors.Condition(reason.Code), reason.Message));

    public override void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        _receiver?.Dispose();
        Session.ForgetDeliveries(this);
    }
}
