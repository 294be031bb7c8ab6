using Ferry.Storage;

namespace Ferry.Broker;

public sealed partial class QueueEntity
{
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>The heap is never compacted below this many due times.</summary>
    internal const int MinTimerCompaction = 1024;

    // The heap keeps a due time until it comes round; a completed message's lock expiry, or its time-to-live, can be
    // minutes or days away. Left there, every completed message (its entry and body) stayed reachable until then: at
    // 2,000 msg/s with a five-minute lock that was 600,000 dead entries, and every one survived the collections it met.
    // So when the heap has doubled since it was last compacted, or half as many messages as it holds were removed since,
    // the due times nothing will act on are dropped: amortised, a constant cost per timer added or message removed.
    private int _timerCompactAt = MinTimerCompaction;
    private int _removedSinceCompaction;
    private List<((TimerKind Kind, object Target) Element, DateTimeOffset Due)>? _liveTimers;

    /// <summary>Due times in the heap, stale ones included (tests).</summary>
    internal int TimerCount
    {
        get
        {
            lock (_sync)
                return _timers.Count;
        }
    }

    /// <summary>Adds a due time; re-arms the entity's one timer when this is the earliest. Caller holds the lock.</summary>
    private void AddTimer(TimerKind kind, object target, DateTimeOffset due)
    {
        if (_timers.Count >= _timerCompactAt)
            CompactTimers();
        _timers.Enqueue((kind, target), due);
        if (due < _timerDue)
            Arm(due);
    }

    /// <summary>Counts a removed message toward the next compaction. Caller holds the lock.</summary>
    private void OnRemovedForTimers()
    {
        if (++_removedSinceCompaction >= _timers.Count / 2 && _timers.Count >= MinTimerCompaction)
            CompactTimers();
    }

    /// <summary>
    /// Drops the due times <see cref="Fire"/> and <see cref="OnSessionLockTimer"/> would ignore: those of removed messages,
    /// and lock expiries of a message or session lock that is gone or was renewed. Everything else stays, so a compaction
    /// never changes what fires. Caller holds the lock.
    /// </summary>
    private void CompactTimers()
    {
        var live = _liveTimers ??= [];
        foreach (var (element, due) in _timers.UnorderedItems)
        {
            if (!IsStale(element.Kind, element.Target, due))
                live.Add((element, due));
        }
        if (live.Count < _timers.Count)
        {
            _timers.Clear();
            _timers.EnqueueRange(live);
        }
        _timerCompactAt = Math.Max(MinTimerCompaction, 2 * live.Count);
        _removedSinceCompaction = 0;
        live.Clear();
        if (live.Capacity > 4 * MinTimerCompaction)
            _liveTimers = null;
        // The timer stays armed for the earliest due time seen; if that one was dropped it fires, finds nothing and re-arms.
    }

    private static bool IsStale(TimerKind kind, object target, DateTimeOffset due) => target switch
    {
        MessageEntry { Alive: false } => true,
        MessageEntry entry when kind == TimerKind.LockExpiry => !entry.IsLocked || entry.LockedUntil != due,
        SessionQueue session => session.Owner is null || session.LockedUntil != due,
        _ => false,
    };

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
