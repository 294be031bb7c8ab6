namespace Ferry.CrashTests;

/// <summary>
/// Where the clients find the broker: the current incarnation of the host (its AMQP address), or none while it is down.
/// The orchestrator marks the host down before it kills it, so a client whose connection then breaks waits for the
/// next incarnation instead of hammering a dead port.
/// </summary>
internal sealed class HostCluster
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Endpoint? _current;
    private bool _stopped;

    public sealed record Endpoint(int Incarnation, string Address);

    /// <summary>The incarnation clients use now (the last one brought up).</summary>
    public int Incarnation { get; private set; }

    public void Up(int incarnation, string address) => Change(() =>
    {
        Incarnation = incarnation;
        _current = new Endpoint(incarnation, address);
    });

    public void Down() => Change(() => _current = null);

    /// <summary>Releases every waiter with null: the load is over.</summary>
    public void Stop() => Change(() => _stopped = true);

    private void Change(Action change)
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            change();
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        previous.TrySetResult();
    }

    /// <summary>The endpoint once the host is up; null once stopped.</summary>
    public async Task<Endpoint?> WaitUpAsync()
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_stopped)
                    return null;
                if (_current is { } current)
                    return current;
                changed = _changed.Task;
            }
            await changed;
        }
    }

    /// <summary>True while <paramref name="incarnation"/> is the one that is up.</summary>
    public bool IsUp(int incarnation)
    {
        lock (_gate)
            return _current?.Incarnation == incarnation;
    }
}
