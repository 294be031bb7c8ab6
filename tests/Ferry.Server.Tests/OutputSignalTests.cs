using Ferry.Server.Amqp;

namespace Ferry.Server.Tests;

/// <summary>The writer loop's wake-up signal: auto-reset, one awaiter, continuations never inline in the setter.</summary>
public sealed class OutputSignalTests
{
    [Fact]
    public async Task Set_BeforeWait_CompletesTheNextWaitAtOnce_AndSignalsCollapseIntoOne()
    {
        var signal = new OutputSignal();
        signal.Set();
        signal.Set();

        var first = signal.WaitAsync();
        Assert.True(first.IsCompletedSuccessfully);
        await first;
        var second = signal.WaitAsync();
        Assert.False(second.IsCompleted);
        signal.Set();
        await second;
    }

    [Fact]
    public async Task Wait_ThenSet_ResumesOnThePool_NotInsideSet()
    {
        var signal = new OutputSignal();
        var gate = new object();
        var waiter = Resume(signal, gate);
        Assert.False(waiter.IsCompleted);

        lock (gate)
            signal.Set();

        // The continuation saw the setter's lock as not its own: it ran on another thread, after or beside Set.
        Assert.False(await waiter);

        static async Task<bool> Resume(OutputSignal signal, object gate)
        {
            await signal.WaitAsync().ConfigureAwait(false);
            return Monitor.IsEntered(gate);
        }
    }

    [Fact]
    public async Task ReusedForManyWaits_EachWaitEndsWithItsOwnSet()
    {
        var signal = new OutputSignal();
        for (var i = 0; i < 1000; i++)
        {
            var wait = signal.WaitAsync();
            Assert.False(wait.IsCompleted);
            var setter = Task.Run(signal.Set);
            await wait;
            await setter;
        }
        var last = signal.WaitAsync().AsTask();
        Assert.False(last.IsCompleted);
        signal.Set();
        await last;
    }

    [Fact]
    public async Task SecondWait_WhileOneIsPending_Throws()
    {
        var signal = new OutputSignal();
        var pending = signal.WaitAsync().AsTask();

        // Thrown by the call itself, before any task exists.
        Assert.Throws<InvalidOperationException>(() => { _ = signal.WaitAsync().AsTask(); });
        signal.Set();
        await pending;
    }
}
