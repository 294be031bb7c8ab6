using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Jobs.Tests;

/// <summary>Queue counts over both management APIs: Ferry's JSON admin API and the Atom API Azure speaks (Ferry serves both).</summary>
public sealed class QueueStatusTests(FerryFixture ferry) : IClassFixture<FerryFixture>
{
    [Theory]
    [InlineData(null)]
    [InlineData(false)]
    public async Task QueueStatus_CountsActiveDeadLetteredAndScheduled(bool? useFerryAdminApi)
    {
        var queue = await ferry.CreateQueueAsync();
        await using var host = await ferry.StartHostAsync(options => options.MapJob<ScoringJob>(queue));
        var client = host.Services.GetRequiredService<IJobClient>();
        for (var i = 0; i < 3; i++)
            await client.SubmitAsync(new ScoringJob("a", i));
        var connection = host.Services.GetRequiredService<AmqpServiceBusConnection>();
        var management = await connection.GetManagementClientAsync(queue);
        await management.ScheduleMessageAsync(new global::Amqp.Message("later") { Properties = new() { MessageId = "s1" } }, DateTimeOffset.UtcNow.AddHours(1));
        var receiver = await connection.CreateReceiverAsync(queue);
        receiver.SetCredit(1, false);
        var message = await receiver.ReceiveAsync(FerryFixture.Timeout);
        receiver.Reject(message, new global::Amqp.Framing.Error(new global::Amqp.Types.Symbol("com.microsoft:dead-letter")));
        await FerryFixture.EventuallyAsync(() => ferry.DeadLetters(queue).Count == 1, "one message dead-lettered");

        var administration = host.Services.GetRequiredService<JobAdministration>();
        administration.ManagementEndpoint = new Uri($"http://localhost:{ferry.Server.HttpPort}/");
        administration.UseFerryAdminApi = useFerryAdminApi;
        var status = await administration.GetQueueStatusAsync(queue, CancellationToken.None);

        Assert.Equal(new QueueStatus(queue, 2, 1, 1), status);
        await host.StopAsync();
    }

    [Fact]
    public void DefaultManagementEndpoint_IsFerrysHttpPortForTheEmulator_AndHttpsForAzure()
    {
        Assert.Equal(new Uri("http://localhost:5300/"), JobAdministration.DefaultManagementEndpoint(
            ServiceBusEndpoint.Parse("Endpoint=sb://localhost;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true")));
        Assert.Equal(new Uri("https://ns.servicebus.windows.net/"), JobAdministration.DefaultManagementEndpoint(
            ServiceBusEndpoint.Parse("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v")));
    }
}
