using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Ferry.Amqp;
using Ferry.Broker;
using Ferry.Storage;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Amqp;

/// <summary>
/// One AMQP session (§2.5): its links by handle, delivery ids for our transfers, and the unsettled deliveries of
/// peek-lock receivers (delivery id → lock token), which client dispositions settle.
/// </summary>
/// <remarks>Frames from the client arrive on the read loop; state shared with broker callbacks is under the connection lock.</remarks>
internal sealed partial class AmqpSession
{
    // We announce windows this large and never close them: link credit is what bounds traffic on Ferry's links.
    private const uint Window = int.MaxValue;

    private readonly Dictionary<uint, AmqpLink> _links = [];
    private readonly Dictionary<uint, (EntityReceiverLink Link, Guid LockToken)> _unsettled = [];
    private readonly Dictionary<uint, CancellationTokenSource> _pendingAttaches = [];
    private uint _nextOutgoingId;
    private uint _nextIncomingId;
    private bool _ended;

    public AmqpSession(AmqpConnection connection, ushort channel, Begin begin)
    {
        Connection = connection;
        Channel = channel;
        _nextIncomingId = begin.NextOutgoingId;
    }

    public AmqpConnection Connection { get; }

    public ushort Channel { get; }

    public void SendBegin() => Connection.WriteFrame(Channel, new Begin
    {
        RemoteChannel = Channel,
        NextOutgoingId = 0,
        IncomingWindow = Window,
        OutgoingWindow = Window,
        HandleMax = uint.MaxValue,
    });

    public void OnFrame(Performative performative, in ReadOnlySequence<byte> payload)
    {
        if (_ended)
        {
            // We ended the session with an error; wait for the client's end, ignore everything else (§2.5.5).
            if (performative is End)
                Connection.RemoveSession(this);
            return;
        }
        switch (performative)
        {
            case Attach attach:
                OnAttach(attach);
                break;
            case Flow flow:
                OnFlow(flow);
                break;
            case Transfer transfer:
                OnTransfer(transfer, payload);
                break;
            case Disposition disposition:
                OnDisposition(disposition);
                break;
            case Detach detach:
                OnDetach(detach);
                break;
            case End end:
                OnEnd(end);
                break;
            default:
                Connection.CloseWithError(AmqpErrorCode.FramingError, $"Unexpected {performative.GetType().Name.ToLowerInvariant()} on a session.");
                break;
        }
    }

    private void OnFlow(Flow flow)
    {
        if (flow.Handle is not { } handle)
        {
            if (flow.Echo)
                SendSessionFlow();
            return;
        }
        AmqpLink? link;
        lock (Connection.SyncRoot)
            _links.TryGetValue(handle, out link);
        // A flow for a handle we just detached (a refused attach, a deleted entity) may cross our detach on the wire:
        // ignore it rather than end the session (§2.6.5 lets frames in flight arrive after a detach).
        link?.OnFlow(flow);
    }

    private void OnTransfer(Transfer transfer, in ReadOnlySequence<byte> payload)
    {
        _nextIncomingId++;
        AmqpLink? link;
        lock (Connection.SyncRoot)
            _links.TryGetValue(transfer.Handle, out link);
        switch (link)
        {
            case null:
                EndWithError(AmqpErrorCode.UnattachedHandle, $"Transfer for handle {transfer.Handle}, which is not attached.");
                break;
            case IncomingLink incoming:
                incoming.OnTransfer(transfer, payload);
                break;
            default:
                EndWithError(AmqpErrorCode.ErrantLink, $"Transfer on handle {transfer.Handle}, where Ferry is the sender.");
                break;
        }
    }

    /// <summary>A client disposition settles deliveries we sent (role receiver) in the range first..last (§2.7.6).</summary>
    private void OnDisposition(Disposition disposition)
    {
        if (disposition.Role != Role.Receiver)
            return; // dispositions about the client's own transfers: we settle those ourselves, nothing to do.
        var last = disposition.Last ?? disposition.First;
        if (last - disposition.First > 100_000)
        {
            EndWithError(AmqpErrorCode.InvalidField, $"Disposition range {disposition.First}..{last} is too large.");
            return;
        }
        for (var id = disposition.First; ; id++)
        {
            (EntityReceiverLink Link, Guid LockToken) target;
            bool known;
            lock (Connection.SyncRoot)
            {
                // A transactional settlement keeps the delivery until the transaction commits: after a rollback the
                // message is still locked, and the client may settle the same delivery again.
                known = disposition.State is TransactionalState
                    ? _unsettled.TryGetValue(id, out target)
                    : _unsettled.Remove(id, out target);
            }
            if (known)
                target.Link.Settle(id, target.LockToken, disposition.State, reply: !disposition.Settled);
            else if (!disposition.Settled)
                ReplyLockLost(id);
            if (id == last)
                break;
        }
    }

    private void ReplyLockLost(uint deliveryId) => Connection.WriteFrame(Channel, new Disposition
    {
        Role = Role.Sender,
        First = deliveryId,
        Settled = true,
        State = new Rejected(new AmqpError(ServiceBusErrors.MessageLockLost,
            $"The delivery {deliveryId} is not an unsettled delivery of this session; its lock was lost or it was already settled.")),
    });

    /// <summary>Sends a delivery; returns its delivery id. For peek-lock, remembers the lock for the client's disposition.</summary>
    public uint AllocateDelivery(EntityReceiverLink link, Guid lockToken, bool settled)
    {
        // Caller holds the connection lock so ids are written in the order they are allocated.
        var id = _nextOutgoingId++;
        if (!settled)
            _unsettled[id] = (link, lockToken);
        return id;
    }

    public uint AllocateSettledTransfer() => _nextOutgoingId++;

    /// <summary>A transaction committed the settlement of this delivery: it is settled now (if it is still the same lock).</summary>
    public void ForgetDelivery(uint deliveryId, Guid lockToken)
    {
        lock (Connection.SyncRoot)
        {
            if (_unsettled.TryGetValue(deliveryId, out var entry) && entry.LockToken == lockToken)
                _unsettled.Remove(deliveryId);
        }
    }

    /// <summary>Forgets the unsettled deliveries of a link that went away; their locks stay valid until they expire.</summary>
    public void ForgetDeliveries(EntityReceiverLink link)
    {
        lock (Connection.SyncRoot)
        {
            List<uint>? gone = null;
            foreach (var (id, entry) in _unsettled)
            {
                if (entry.Link == link)
                    (gone ??= []).Add(id);
            }
            if (gone is not null)
            {
                foreach (var id in gone)
                    _unsettled.Remove(id);
            }
        }
    }

    /// <summary>After output backed up and drained again: every receiver link takes deliveries again.</summary>
    public void ResumeDeliveries()
    {
        List<EntityReceiverLink>? receivers = null;
        lock (Connection.SyncRoot)
        {
            foreach (var link in _links.Values)
            {
                if (link is EntityReceiverLink receiver)
                    (receivers ??= []).Add(receiver);
            }
        }
        if (receivers is null)
            return;
        foreach (var receiver in receivers)
            receiver.Resume();
    }

    public Flow CreateFlow(uint? handle = null) => new()
    {
        NextIncomingId = _nextIncomingId,
        IncomingWindow = Window,
        NextOutgoingId = _nextOutgoingId,
        OutgoingWindow = Window,
        Handle = handle,
    };

    private void SendSessionFlow()
    {
        lock (Connection.SyncRoot)
        {
            var flow = CreateFlow();
            Connection.WriteFrame(Channel, flow);
        }
    }

    /// <summary>Registers an attached link under its handle and counts it. Call under the connection's lock.</summary>
    private void AddLink(uint handle, AmqpLink link)
    {
        _links[handle] = link;
        Connection.Links.Attached(link.Kind);
    }

    /// <summary>Removes and uncounts the link under <paramref name="handle"/>. Call under the connection's lock.</summary>
    private bool RemoveLink(uint handle, [NotNullWhen(true)] out AmqpLink? link)
    {
        if (!_links.Remove(handle, out link))
            return false;
        Connection.Links.Detached(link.Kind);
        return true;
    }

    private void OnDetach(Detach detach)
    {
        AmqpLink? link;
        CancellationTokenSource? pending;
        bool answer;
        lock (Connection.SyncRoot)
        {
            var attached = RemoveLink(detach.Handle, out link);
            // A session receiver may give up before its attach was answered: cancel the accept and confirm the detach.
            answer = _pendingAttaches.Remove(detach.Handle, out pending) || attached;
        }
        pending?.Cancel();
        // Release first, then answer: when the client sees the detach, the link's receiver is gone from the entity.
        link?.Close();
        if (answer)
            Connection.WriteFrame(Channel, new Detach { Handle = detach.Handle, Closed = true });
    }

    /// <summary>Detaches a link from the server side with an error.</summary>
    public void DetachFromServer(AmqpLink link, AmqpError error)
    {
        bool removed;
        lock (Connection.SyncRoot)
        {
            removed = _links.TryGetValue(link.Handle, out var current) && ReferenceEquals(current, link) && RemoveLink(link.Handle, out _);
            if (removed)
                Connection.WriteFrame(Channel, new Detach { Handle = link.Handle, Closed = true, Error = error });
        }
        if (removed)
            link.Close();
    }

    private void OnEnd(End end)
    {
        Connection.WriteFrame(Channel, new End());
        Abort();
        Connection.RemoveSession(this);
    }

    private void EndWithError(AmqpSymbol condition, string description)
    {
        Connection.Logger.LogDebug("Ending session {Channel} on {ConnectionId}: {Condition} {Description}", Channel, Connection.ConnectionId, condition, description);
        Connection.WriteFrame(Channel, new End { Error = new AmqpError(condition, description) });
        Abort();
    }

    /// <summary>Releases every link; the session is gone (end, close or socket drop).</summary>
    public void Abort()
    {
        AmqpLink[] links;
        CancellationTokenSource[] pendings;
        lock (Connection.SyncRoot)
        {
            _ended = true;
            links = [.. _links.Values];
            foreach (var link in links)
                Connection.Links.Detached(link.Kind);
            _links.Clear();
            _unsettled.Clear();
            pendings = [.. _pendingAttaches.Values];
            _pendingAttaches.Clear();
        }
        foreach (var pending in pendings)
            pending.Cancel();
        foreach (var link in links)
            link.Close();
    }
}
