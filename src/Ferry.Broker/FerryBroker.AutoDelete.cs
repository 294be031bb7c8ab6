using Microsoft.Extensions.Logging;

namespace Ferry.Broker;

/// <summary>
/// AutoDeleteOnIdle: a queue or subscription idle for its AutoDeleteOnIdle is deleted, as in Azure. Idle means no
/// receiver or sender attached, and nothing sent, received, settled, peeked, purged or updated for that long
/// (<see cref="QueueRuntimeProperties.AccessedAt"/>). A sweep runs every <see cref="IdleSweepInterval"/> on the broker's
/// clock, so deletion happens at most that long after the entity became eligible.
/// </summary>
public sealed partial class FerryBroker
{
    /// <summary>How often idle entities are looked for.</summary>
    public static readonly TimeSpan IdleSweepInterval = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _sweep = new(1, 1);
    private ITimer? _idleSweep;

    private void StartIdleSweep() =>
        _idleSweep = _time.CreateTimer(static s => ((FerryBroker)s!).OnSweepTimer(), this, IdleSweepInterval, IdleSweepInterval);

    private void OnSweepTimer() => Volatile.Write(ref _lastTimerSweep, SweepIdleAsync());

    private Task<int>? _lastTimerSweep;

    /// <summary>The sweep the timer started last (for tests), or null before the first.</summary>
    internal Task<int>? LastTimerSweep => Volatile.Read(ref _lastTimerSweep);

    private void StopIdleSweep() => _idleSweep?.Dispose();

    /// <summary>
    /// Deletes every queue and subscription idle for its AutoDeleteOnIdle; returns how many it deleted. A call made while
    /// a sweep runs waits for it, then sweeps again.
    /// </summary>
    internal async Task<int> SweepIdleAsync()
    {
        await _sweep.WaitAsync().ConfigureAwait(false);
        var deleted = 0;
        try
        {
            var now = _time.GetUtcNow();
            foreach (var queue in Queues.Where(q => IsIdle(q, now)).ToList())
            {
                if (await TryDeleteIdleAsync(queue, () => DeleteQueueAsync(queue.Name)).ConfigureAwait(false))
                    deleted++;
            }
            foreach (var topic in Topics.ToList())
            {
                foreach (var subscription in topic.Subscriptions.Where(s => IsIdle(s, now)).ToList())
                {
                    var name = subscription.Name[(topic.Name.Length + SubscriptionsSegment.Length)..];
                    if (await TryDeleteIdleAsync(subscription, () => DeleteSubscriptionAsync(topic.Name, name)).ConfigureAwait(false))
                        deleted++;
                }
            }
        }
        finally
        {
            _sweep.Release();
        }
        return deleted;
    }

    private static bool IsIdle(QueueEntity entity, DateTimeOffset now)
    {
        var idleFor = entity.Settings.AutoDeleteOnIdle;
        if (idleFor == TimeSpan.MaxValue || entity.ReceiverCount > 0 || entity.SenderCount > 0)
            return false;
        var accessed = entity.GetRuntimeProperties().AccessedAt;
        return now - accessed >= idleFor;
    }

    private async Task<bool> TryDeleteIdleAsync(QueueEntity entity, Func<Task> delete)
    {
        try
        {
            await delete().ConfigureAwait(false);
            _logger.LogInformation("Deleted {Entity}: idle for its AutoDeleteOnIdle of {AutoDeleteOnIdle}.", entity.Name, entity.Settings.AutoDeleteOnIdle);
            return true;
        }
        catch (BrokerException ex) when (ex.Code is BrokerErrorCode.EntityNotFound or BrokerErrorCode.ShuttingDown)
        {
            return false; // deleted meanwhile, or the broker is closing
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Deleting the idle entity {Entity} failed; the next sweep tries again.", entity.Name);
            return false;
        }
    }
}
