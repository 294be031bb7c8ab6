using Ferry.Amqp;

namespace Ferry.Server.Tests;

/// <summary>A server announcing a 1 s idle time-out.</summary>
public sealed class ShortIdleServerFixture : ServerFixture
{
    protected override FerryServerOptions CreateOptions()
    {
        var options = base.CreateOptions();
        options.IdleTimeout = TimeSpan.FromSeconds(1);
        return options;
    }
}

public sealed class IdleTimeoutTests(ShortIdleServerFixture fixture) : IClassFixture<ShortIdleServerFixture>
{
    [Fact]
    public async Task IdleClient_SendsNothingAfterOpen_ClosedWithResourceLimitExceeded()
    {
        // Started before the open is sent, so it measures at least the server's idle time.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (client, open) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        Assert.Equal(1000u, open.IdleTimeOut);
        var frames = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));
        var close = Assert.IsType<Close>(Assert.Single(frames).Performative);
        Assert.Equal(AmqpErrorCode.ResourceLimitExceeded, close.Error?.Condition.Value);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"Closed after {clock.Elapsed.TotalMilliseconds:0} ms, before the idle time-out.");
        await fixture.Logs.ConnectionEndedAsync(client.LocalPort);
        Assert.Empty(fixture.Logs.Errors);
        await fixture.AssertServerServesAsync();
    }

    [Fact]
    public async Task IdleClient_SendingHeartbeats_StaysOpen()
    {
        var (client, _) = await RawAmqpClient.ConnectAndOpenAsync(fixture.Port);
        await client.BeginAsync();
        // Four heartbeats 400 ms apart span more than the 1 s time-out; each one resets it.
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(400));
        for (var i = 0; i < 4; i++)
        {
            await tick.WaitForNextTickAsync();
            await client.SendAsync(new byte[] { 0, 0, 0, 8, 2, 0, 0, 0 });
        }
        await client.SendFrameAsync(0, new End());
        Assert.IsType<End>((await client.ReadFrameAsync())?.Performative);
        await client.DisposeAsync();
    }
}
