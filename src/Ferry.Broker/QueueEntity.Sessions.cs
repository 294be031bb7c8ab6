using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    private readonly Dictionary<string, SessionQueue> _sessions = new(StringComparer.Ordinal);
    private readonly List<SessionAcceptor> _acceptors = [];

    /// <summary>
    /// Accepts a session on a session-enabled queue: the named one, or (<paramref name="sessionId"/> null) the next
    /// session that has messages and is not locked, waiting up to <paramref name="timeout"/> for one. The returned
    /// receiver holds the session lock for LockDuration (renew with <see cref="RenewSessionLock"/>); it gets that
    /// session's messages in sequence order while it has credit. Disposing it releases the session.
    /// </summary>
    /// <exception cref="BrokerException">SessionCannotBeLocked (named session held elsewhere), Timeout (no session
    /// free in time), InvalidOperation (the queue does not require sessions), EntityDisabled, EntityNotFound.</exception>
    public async Task<Receiver> AcceptSessionAsync(string? sessionId, ReceiveMode mode, IDeliverySink sink, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        SessionAcceptor acceptor;
        lock (_sync)
        {
            ThrowIfClosed();
            ThrowIfReceiveDisabled();
            if (!Settings.RequiresSession)
            {
                throw new BrokerException(BrokerErrorCode.InvalidOperation,
                    $"The entity '{Name}' does not require sessions; receive from it without a session.");
            }
            var receiver = new Receiver(this, _main, mode, sink) { IsSessionReceiver = true };
            var now = _time.GetUtcNow();
            if (sessionId is not null)
            {
                var named = GetOrCreateSession(sessionId);
                if (named.IsLocked)
                {
                    throw new BrokerException(BrokerErrorCode.SessionCannotBeLocked,
                        $"The requested session '{sessionId}' cannot be accepted. It may be locked by another receiver.");
                }
                LockSession(named, receiver, now);
                return receiver;
            }
            if (FindFreeSession(now) is { } free)
            {
                LockSession(free, receiver, now);
                return receiver;
            }
            if (timeout <= TimeSpan.Zero)
                throw NoSessionAvailable(timeout);
            acceptor = new SessionAcceptor { Receiver = receiver, Created = now, Deadline = now + timeout };
            _acceptors.Add(acceptor);
            AddTimer(TimerKind.AcceptorDeadline, acceptor, acceptor.Deadline);
        }
        using var registration = cancellationToken.Register(static state =>
        {
            var (entity, pending) = ((QueueEntity, SessionAcceptor))state!;
            lock (entity._sync)
                entity._acceptors.Remove(pending);
            pending.Completion.TrySetCanceled();
        }, (this, acceptor));
        return await acceptor.Completion.Task.ConfigureAwait(false);
    }

    private BrokerException NoSessionAvailable(TimeSpan timeout) => new(BrokerErrorCode.Timeout,
        $"The operation did not complete within the allotted timeout of {timeout}. No unlocked session with messages became available on '{Name}'.");

    /// <summary>Renews a session lock for another LockDuration from now and returns the new expiry.</summary>
    /// <exception cref="BrokerException">SessionLockLost when the session is not locked (or its lock expired).</exception>
    public DateTimeOffset RenewSessionLock(string sessionId)
    {
        lock (_sync)
        {
            var session = HeldSession(sessionId);
            session.LockedUntil = _time.GetUtcNow() + Settings.LockDuration;
            AddTimer(TimerKind.SessionLockExpiry, session, session.LockedUntil);
            return session.LockedUntil;
        }
    }

    /// <summary>The state of a locked session (null when none was set).</summary>
    /// <exception cref="BrokerException">SessionLockLost.</exception>
    public byte[]? GetSessionState(string sessionId)
    {
        lock (_sync)
            return HeldSession(sessionId).State;
    }

    /// <summary>Sets (or with null, clears) the state of a locked session; durable when the task completes.</summary>
    /// <exception cref="BrokerException">SessionLockLost.</exception>
    public Task SetSessionStateAsync(string sessionId, byte[]? state, CancellationToken cancellationToken = default)
    {
        WriteBatch batch;
        lock (_sync)
        {
            var session = HeldSession(sessionId);
            session.State = state;
            batch = state is null ? new WriteBatch(1).DeleteSessionState(Key, sessionId) : new WriteBatch(1).PutSessionState(Key, sessionId, state);
        }
        return _store.CommitAsync(batch, cancellationToken).AsTask();
    }

    /// <summary>Ids of the sessions that have messages or state, in ordinal order.</summary>
    public IReadOnlyList<string> GetSessionIds()
    {
        lock (_sync)
        {
            var ids = new List<string>();
            foreach (var session in _sessions.Values)
            {
                if (session.MessageCount > 0 || session.State is not null)
                    ids.Add(session.Id);
            }
            ids.Sort(StringComparer.Ordinal);
            return ids;
        }
    }

    private SessionQueue HeldSession(string sessionId)
    {
        if (_sessions.TryGetValue(sessionId, out var session) && session.IsLocked && session.LockedUntil > _time.GetUtcNow())
            return session;
        throw new BrokerException(BrokerErrorCode.SessionLockLost,
            $"The session lock has expired on the session '{sessionId}' of '{Name}', or the session is not locked. Accept the session again.");
    }

    private SessionQueue GetOrCreateSession(string sessionId)
    {
        if (!_sessions.TryGetValue(sessionId, out var session))
            _sessions[sessionId] = session = new SessionQueue(sessionId);
        return session;
    }

    private void TrimSession(SessionQueue session)
    {
        if (session.IsEmpty)
            _sessions.Remove(session.Id);
    }

    private SessionQueue? FindFreeSession(DateTimeOffset now)
    {
        foreach (var session in _sessions.Values)
        {
            if (!session.IsLocked && session.Ready.HasAvailable(now, SubQueue.Main))
                return session;
        }
        return null;
    }

    private void LockSession(SessionQueue session, Receiver receiver, DateTimeOffset now)
    {
        session.Owner = receiver;
        session.LockedUntil = now + Settings.LockDuration;
        receiver.Session = session;
        _main.Receivers.Add(receiver);
        AddTimer(TimerKind.SessionLockExpiry, session, session.LockedUntil);
        _accessedAt = now;
    }

    /// <summary>Routes a ready message: the dead-letter queue, a session's queue, or the main queue.</summary>
    private void MakeReadyIn(MessageEntry entry)
    {
        if (entry.SubQueue == SubQueue.DeadLetter)
            _deadLetter.MakeReady(entry);
        else if (Settings.RequiresSession && entry.SessionId is { } sessionId)
            GetOrCreateSession(sessionId).Ready.Add(entry);
        else
            _main.MakeReady(entry);
    }

    private void PumpFor(Receiver receiver)
    {
        if (!receiver.IsSessionReceiver)
            Pump(receiver.Queue);
        else if (receiver.Session is { } session)
            PumpSession(session, _time.GetUtcNow());
    }

    /// <summary>Delivers to every session owner with credit, then hands free sessions to waiting acceptors.</summary>
    private void PumpSessions()
    {
        var now = _time.GetUtcNow();
        foreach (var session in _sessions.Values)
        {
            if (session.Owner is not null)
                PumpSession(session, now);
        }
        MatchAcceptors(now);
    }

    private void PumpSession(SessionQueue session, DateTimeOffset now)
    {
        var owner = session.Owner;
        if (owner is null || _closed)
            return;
        while (owner.Credit > 0 && !owner.Sink.IsSaturated)
        {
            var entry = session.Ready.Take(now, SubQueue.Main);
            if (entry is null)
                return;
            if (TryRetire(entry, now))
                continue;
            Deliver(owner, entry, now);
        }
    }

    private void MatchAcceptors(DateTimeOffset now)
    {
        while (_acceptors.Count > 0)
        {
            var session = FindFreeSession(now);
            if (session is null)
                return;
            var acceptor = _acceptors[0];
            _acceptors.RemoveAt(0);
            if (acceptor.Receiver.Closed)
                continue;
            LockSession(session, acceptor.Receiver, now);
            acceptor.Completion.TrySetResult(acceptor.Receiver);
        }
    }

    private void OnAcceptorDeadline(SessionAcceptor acceptor)
    {
        if (_acceptors.Remove(acceptor))
            acceptor.Completion.TrySetException(NoSessionAvailable(acceptor.Deadline - acceptor.Created));
    }

    // A renewed lock leaves its old due time in the heap; only the session's current expiry counts.
    private void OnSessionLockTimer(SessionQueue session, DateTimeOffset due, DateTimeOffset now)
    {
        if (session.Owner is not { } owner || session.LockedUntil > now || session.LockedUntil != due)
            return;
        owner.Closed = true;
        _main.Receivers.Remove(owner);
        owner.Sink.OnClosed(owner, new BrokerException(BrokerErrorCode.SessionLockLost,
            $"The session lock has expired on the session '{session.Id}' of '{Name}'. Accept the session again."));
        ReleaseSession(session, now);
    }

    /// <summary>A session receiver went away: its session is free again.</summary>
    private void ReleaseSessionOf(Receiver receiver)
    {
        if (receiver.Session is { } session && session.Owner == receiver)
            ReleaseSession(session, _time.GetUtcNow());
        foreach (var acceptor in _acceptors)
        {
            if (acceptor.Receiver == receiver)
            {
                _acceptors.Remove(acceptor);
                acceptor.Completion.TrySetCanceled();
                break;
            }
        }
    }

    /// <summary>
    /// Frees a session. Messages still locked under it lose their locks and come back (counted as a failed attempt),
    /// because a message lock does not outlive its session lock.
    /// </summary>
    private void ReleaseSession(SessionQueue session, DateTimeOffset now)
    {
        session.Owner = null;
        List<MessageEntry>? locked = null;
        foreach (var entry in _locks.Values)
        {
            if (entry.SessionId == session.Id && entry.SubQueue == SubQueue.Main)
                (locked ??= []).Add(entry);
        }
        if (locked is not null)
        {
            foreach (var entry in locked)
            {
                _locks.Remove(entry.LockToken);
                entry.LockToken = Guid.Empty;
                Release(entry, now);
            }
        }
        TrimSession(session);
        MatchAcceptors(now);
    }

    internal void RestoreSessionStates(IEnumerable<StoredSessionState> states)
    {
        lock (_sync)
        {
            foreach (var state in states)
                GetOrCreateSession(state.SessionId).State = state.State;
        }
    }
}
