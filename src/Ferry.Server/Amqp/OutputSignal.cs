using System.Threading.Tasks.Sources;

namespace Ferry.Server.Amqp;

/// <summary>
/// Wakes a connection's one writer loop: an auto-reset event with a single awaiter that allocates nothing per wait (a
/// <see cref="SemaphoreSlim"/> allocated a task for every <c>WaitAsync</c> that had to wait: one per batch of output,
/// about 180 bytes per message at 2,000 msg/s).
/// </summary>
/// <remarks>
/// <see cref="Set"/> may be called from any thread, any number of times; signals that arrive while nobody waits collapse
/// into one. <see cref="WaitAsync"/> is for one awaiter at a time, which awaits each returned task once before asking for
/// the next. The awaiter's continuation always runs on the thread pool, never inline in <see cref="Set"/>'s caller (a
/// delivery or a store completion holding no lock of the writer's).
/// </remarks>
internal sealed class OutputSignal : IValueTaskSource
{
    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _set;
    private bool _waiting;

    /// <summary>Completes at once when signalled since the last wait, else at the next <see cref="Set"/>.</summary>
    /// <exception cref="InvalidOperationException">A previous wait has not completed.</exception>
    public ValueTask WaitAsync()
    {
        lock (_lock)
        {
            if (_waiting)
                throw new InvalidOperationException("The output signal has one awaiter at a time.");
            if (_set)
            {
                _set = false;
                return ValueTask.CompletedTask;
            }
            _waiting = true;
            return new ValueTask(this, _core.Version);
        }
    }

    public void Set()
    {
        lock (_lock)
        {
            if (!_waiting)
            {
                _set = true;
                return;
            }
            _waiting = false;
        }
        // Outside the lock: the awaiter cannot ask again before this completes it, so nothing else touches the core.
        _core.SetResult(true);
    }

    void IValueTaskSource.GetResult(short token)
    {
        _core.GetResult(token);
        // The awaiter has its result; the next wait gets a new version.
        _core.Reset();
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
