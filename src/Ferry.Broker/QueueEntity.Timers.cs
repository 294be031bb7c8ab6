using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>Adds a due time; re-arms the entity's one timer when this is the earliest. Caller holds the lock.</summary>
    private void AddTimer(TimerKind kind, object target, DateTimeOffset due)
    {
        _timers.Enqueue((kind, target), due);
        if (due < _timerDue)
            Arm(due);
    }

    private void Arm(DateTimeOffset due)
    {
        _timerDue = due;
        var delay = due - _time.GetUtcNow();
        // Timers take at most ~49.7 days; a later due time fires early, finds nothing due and re-arms.
        _timer.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxTimerDelay ? MaxTimerDelay : delay, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (_sync)
        {
            if (_closed)
                return;
            _timerDue = DateTimeOffset.MaxValue;
            var now = _time.GetUtcNow();
            while (_timers.TryPeek(out var item, out var due) && due <= now)
            {
                _timers.Dequeue();
                switch (item.Target)
                {
                    case MessageEntry entry:
                        Fire(item.Kind, entry, due, now);
                        break;
                    case SessionQueue session:
                        OnSessionLockTimer(session, due, now);
                        break;
                    case SessionAcceptor acceptor:
                        OnAcceptorDeadline(acceptor);
                        break;
                }
            }
            if (_timers.TryPeek(out _, out var next))
                Arm(next);
        }
    }

    private void Fire(TimerKind kind, MessageEntry entry, DateTimeOffset due, DateTimeOffset now)
    {
        if (!entry.Alive)
            return;
        switch (kind)
        {
            case TimerKind.Activate when entry.State == MessageState.Scheduled && entry.ScheduledEnqueueTime <= now:
                Count(entry, -1);
                entry.State = MessageState.Active;
                entry.ScheduledEnqueueTime = null;
                Count(entry, +1);
                Activate(entry);
                Pump(_main);
                break;
            // A renewed lock leaves its old due time in the heap; only the entry's current expiry counts.
            case TimerKind.LockExpiry when entry.IsLocked && entry.LockedUntil <= now && entry.LockedUntil == due:
                _locks.Remove(entry.LockToken);
                entry.LockToken = Guid.Empty;
                Interlocked.Increment(ref _lockExpiries);
                Release(entry, now);
                break;
            case TimerKind.Expire when entry.SubQueue == SubQueue.Main && !entry.IsLocked && entry.ExpiresAt <= now
                                       && entry.State != MessageState.Scheduled:
                ExpireMessage(entry);
                break;
            case TimerKind.Visible when entry.VisibleAfter is { } visible && visible <= now && !entry.IsLocked:
                entry.VisibleAfter = null;
                MakeReadyIn(entry);
                Pump(Queue(entry.SubQueue));
                break;
        }
    }
}
