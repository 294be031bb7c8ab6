using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Storage;

namespace Ferry.Server.Amqp;

internal sealed partial class AmqpSession
{
    private const string ManagementSuffix = "$management";
    private static readonly AmqpSymbol SessionFilter = "com.microsoft:session-filter";
    private static readonly AmqpSymbol TimeoutProperty = "com.microsoft:timeout";
    private static readonly AmqpSymbol LockedUntilProperty = "com.microsoft:locked-until-utc";
    private static readonly AmqpSymbol TransferDestinationProperty = "com.microsoft:transfer-destination-address";
    private static readonly TimeSpan DefaultSessionTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Routes an attach (§2.7.3) to $cbs, a $management node, or an entity.</summary>
    private void OnAttach(Attach attach)
    {
        lock (Connection.SyncRoot)
        {
            if (_links.ContainsKey(attach.Handle))
            {
                EndWithError(AmqpErrorCode.HandleInUse, $"Handle {attach.Handle} is already attached.");
                return;
            }
        }
        var clientSends = attach.Role == Role.Sender;
        if (clientSends && attach.Coordinator is not null)
        {
            Accept(attach, new CoordinatorLink(this, attach));
            return;
        }
        var address = NormalizeAddress(clientSends ? attach.Target?.Address : attach.Source?.Address);
        if (address is null)
        {
            Refuse(attach, AmqpErrorCode.InvalidField, clientSends ? "The attach has no target address." : "The attach has no source address.");
            return;
        }
        if (address == "$cbs")
        {
            Accept(attach, clientSends ? new NodeRequestLink(this, attach, NodeKind.Cbs, string.Empty) : new NodeReplyLink(this, attach));
            return;
        }
        if (address.EndsWith(ManagementSuffix, StringComparison.OrdinalIgnoreCase))
        {
            var entityPath = address[..^ManagementSuffix.Length].TrimEnd('/');
            if (!Connection.IsAuthorized(address))
            {
                RefuseUnauthorized(attach, address);
                return;
            }
            Accept(attach, clientSends ? new NodeRequestLink(this, attach, NodeKind.Management, entityPath) : new NodeReplyLink(this, attach));
            return;
        }
        if (clientSends)
        {
            if (!Connection.Broker.TryGetSendTarget(address, out var target))
            {
                Refuse(attach, AmqpErrorCode.NotFound, $"The messaging entity '{Connection.Broker.EntityAddress(address)}' could not be found.");
                return;
            }
            if (!Connection.IsAuthorized(address))
            {
                RefuseUnauthorized(attach, address);
                return;
            }
            if (attach.Properties is { } properties && properties.TryGetValue(TransferDestinationProperty, out var via))
            {
                AttachSendVia(attach, address, via as string);
                return;
            }
            Accept(attach, new EntitySenderLink(this, attach, target));
            return;
        }
        if (!Connection.Broker.TryResolve(address, out var queue, out var subQueue))
        {
            Refuse(attach, AmqpErrorCode.NotFound, $"The messaging entity '{Connection.Broker.EntityAddress(address)}' could not be found.");
            return;
        }
        if (!Connection.IsAuthorized(address))
        {
            RefuseUnauthorized(attach, address);
            return;
        }
        var mode = attach.SndSettleMode == SenderSettleMode.Settled ? ReceiveMode.ReceiveAndDelete : ReceiveMode.PeekLock;
        if (attach.Source?.Filter is { } filter && filter.TryGetValue(SessionFilter, out var requested) && subQueue == SubQueue.Main)
        {
            AcceptSession(attach, queue, requested as string, mode);
            return;
        }
        EntityReceiverLink link;
        try
        {
            link = new EntityReceiverLink(this, attach, queue, subQueue, mode);
        }
        catch (BrokerException ex)
        {
            Refuse(attach, ServiceBusErrors.Condition(ex.Code), ex.Message);
            return;
        }
        Accept(attach, link);
    }

    /// <summary>
    /// Send-via (Service Bus AMQP guide, "Send-via functionality"): the link is attached to the via entity, and its
    /// <c>com.microsoft:transfer-destination-address</c> names where its messages go. Both must exist and be authorized.
    /// Ferry's transactions span entities in one store commit, so the messages go straight to the destination (Azure
    /// passes them through the via entity's transfer queue; the result a client sees is the same).
    /// </summary>
    private void AttachSendVia(Attach attach, string via, string? destinationAddress)
    {
        var destination = NormalizeAddress(destinationAddress);
        if (destination is null)
        {
            Refuse(attach, AmqpErrorCode.InvalidField, $"The attach property {TransferDestinationProperty.Value} must be a non-empty string naming an entity.");
            return;
        }
        if (!Connection.Broker.TryGetSendTarget(destination, out var target))
        {
            Refuse(attach, AmqpErrorCode.NotFound, $"The messaging entity '{Connection.Broker.EntityAddress(destination)}' could not be found.");
            return;
        }
        if (!Connection.IsAuthorized(destination))
        {
            RefuseUnauthorized(attach, destination);
            return;
        }
        Accept(attach, new EntitySenderLink(this, attach, target), attach.Properties);
    }

    /// <summary>
    /// A session receiver (reference §4.5): the attach reply waits until the named session, or the next free one, is
    /// locked — up to the client's <c>com.microsoft:timeout</c> — and then echoes the session id in the source filter
    /// and the lock expiry as .NET ticks in <c>com.microsoft:locked-until-utc</c>.
    /// </summary>
    private void AcceptSession(Attach attach, QueueEntity queue, string? sessionId, ReceiveMode mode)
    {
        var timeout = attach.Properties is { } properties && properties.TryGetValue(TimeoutProperty, out var t) && t is uint ms
            ? TimeSpan.FromMilliseconds(ms)
            : DefaultSessionTimeout;
        var link = new EntityReceiverLink(this, attach, queue, SubQueue.Main, mode, sessionful: true);
        // Not disposed: a detach may cancel it at any moment, and it holds no timer or native resource.
#pragma warning disable CA2000
        var cancellation = new CancellationTokenSource();
#pragma warning restore CA2000
        lock (Connection.SyncRoot)
            _pendingAttaches[attach.Handle] = cancellation;
        _ = CompleteSessionAttachAsync(attach, link, sessionId, timeout, cancellation);
    }

    private async Task CompleteSessionAttachAsync(Attach attach, EntityReceiverLink link, string? sessionId, TimeSpan timeout,
        CancellationTokenSource cancellation)
    {
        Receiver receiver;
        try
        {
            receiver = await link.AcceptSessionAsync(sessionId, timeout, cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // the client detached the pending attach; OnDetach answered it
        }
        catch (BrokerException ex)
        {
            lock (Connection.SyncRoot)
                _pendingAttaches.Remove(attach.Handle);
            Refuse(attach, ServiceBusErrors.Condition(ex.Code), ex.Message);
            return;
        }
        bool attached;
        lock (Connection.SyncRoot)
        {
            attached = _pendingAttaches.Remove(attach.Handle) && !_ended;
            if (attached)
            {
                AddLink(attach.Handle, link);
                var source = attach.Source!;
                var filter = new AmqpMap();
                foreach (var (key, value) in source.Filter!)
                    filter[key] = value;
                filter[SessionFilter] = receiver.SessionId;
                source.Filter = filter;
                Connection.WriteFrame(Channel, new Attach
                {
                    Name = attach.Name,
                    Handle = attach.Handle,
                    Role = Role.Sender,
                    SndSettleMode = attach.SndSettleMode,
                    RcvSettleMode = attach.RcvSettleMode,
                    Source = source,
                    Target = attach.Target,
                    InitialDeliveryCount = 0,
                    Properties = new AmqpMap { [LockedUntilProperty] = DotNetTicks(receiver.SessionLockedUntil!.Value) },
                });
            }
        }
        if (!attached)
            receiver.Dispose();
    }

    /// <summary>The SDKs read <c>com.microsoft:locked-until-utc</c> as an AMQP long of .NET DateTime ticks.</summary>
    private static long DotNetTicks(DateTimeOffset time) => time.UtcTicks;

    private void RefuseUnauthorized(Attach attach, string address) =>
        Refuse(attach, AmqpErrorCode.UnauthorizedAccess,
            $"Unauthorized access to '{Connection.Broker.EntityAddress(address)}': no valid token for it was put on $cbs. Check the SharedAccessKeyName and SharedAccessKey.");

    /// <summary>
    /// Addresses arrive as <c>queue</c>, <c>/queue</c> (.NET) or absolute <c>amqps://host/queue</c>; all mean <c>queue</c>.
    /// </summary>
    private static string? NormalizeAddress(string? address)
    {
        if (string.IsNullOrEmpty(address))
            return null;
        var scheme = address.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var slash = address.IndexOf('/', scheme + 3);
            address = slash < 0 ? string.Empty : address[(slash + 1)..];
        }
        address = address.Trim('/');
        return address.Length == 0 ? null : address;
    }

    private void Accept(Attach attach, AmqpLink link, AmqpMap? properties = null)
    {
        lock (Connection.SyncRoot)
        {
            AddLink(attach.Handle, link);
            var reply = new Attach
            {
                Name = attach.Name,
                Handle = attach.Handle,
                Role = attach.Role == Role.Sender ? Role.Receiver : Role.Sender,
                SndSettleMode = attach.SndSettleMode,
                RcvSettleMode = attach.RcvSettleMode,
                Source = attach.Source,
                Target = attach.Target,
                // A coordinator answers with the capability it supports (§4.5.1): local transactions only.
                Coordinator = link is CoordinatorLink ? new Coordinator { Capabilities = [Coordinator.LocalTransactions] } : null,
                InitialDeliveryCount = attach.Role == Role.Receiver ? 0u : null,
                MaxMessageSize = link is EntitySenderLink sender ? sender.MaxMessageSize : null,
                Properties = properties,
            };
            Connection.WriteFrame(Channel, reply);
        }
        link.OnAttached();
    }

    /// <summary>
    /// Refuses an attach the way Service Bus does (§2.6.3): attach back with a null terminus, then detach with the error.
    /// </summary>
    private void Refuse(Attach attach, AmqpSymbol condition, string description)
    {
        var clientSends = attach.Role == Role.Sender;
        lock (Connection.SyncRoot)
        {
            Connection.WriteFrame(Channel, new Attach
            {
                Name = attach.Name,
                Handle = attach.Handle,
                Role = clientSends ? Role.Receiver : Role.Sender,
                Source = clientSends ? attach.Source : null,
                Target = clientSends ? null : attach.Target,
                InitialDeliveryCount = clientSends ? null : 0u,
            });
            Connection.WriteFrame(Channel, new Detach { Handle = attach.Handle, Closed = true, Error = new AmqpError(condition, description) });
        }
    }

    public void WriteLinkFlow(uint handle, uint deliveryCount, uint linkCredit, bool drain = false)
    {
        lock (Connection.SyncRoot)
        {
            var flow = CreateFlow(handle);
            flow.DeliveryCount = deliveryCount;
            flow.LinkCredit = linkCredit;
            flow.Drain = drain;
            Connection.WriteFrame(Channel, flow);
        }
    }
}
