using Amqp;
using Ferry.Broker;
using Ferry.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Jobs.Tests;

public class ConnectionTests(FerryFixture ferry) : IClassFixture<FerryFixture>
{
    [Fact]
    public async Task Connects_WithCbs_DetectsFerry_SendsAndReceives()
    {
        var queue = await ferry.CreateQueueAsync();
        await using var connection = new AmqpServiceBusConnection(ServiceBusEndpoint.Parse(ferry.ConnectionString));
        await connection.ConnectAsync();
        Assert.True(connection.IsFerry);
        Assert.Contains(AmqpServiceBusConnection.AbandonWithDelayExtension, connection.RemoteExtensions);
        Assert.True(connection.SupportsAbandonWithDelay);

        var sender = await connection.CreateSenderAsync(queue);
        await sender.SendAsync(new Message("hello") { Properties = new() { MessageId = "m1" } });
        var receiver = await connection.CreateReceiverAsync(queue);
        receiver.SetCredit(1, true);
        var message = await receiver.ReceiveAsync(FerryFixture.Timeout);
        Assert.NotNull(message);
        Assert.Equal("hello", message.Body);
        Assert.Equal(16, message.DeliveryTag.Length);
        receiver.Accept(message);
        await FerryFixture.EventuallyAsync(() => ferry.Active(queue).Count == 0, "the message completed");
    }

    /// <summary>The broker detaches with com.microsoft:timeout when no session comes free: that is "none", not an error.</summary>
    [Fact]
    public async Task AcceptNextSession_WithNoSessionFreeInTime_ReturnsNull()
    {
        var queue = await ferry.CreateQueueAsync(new QueueSettings { RequiresSession = true });
        await using var connection = new AmqpServiceBusConnection(ServiceBusEndpoint.Parse(ferry.ConnectionString));

        var session = await connection.AcceptNextSessionAsync(queue, TimeSpan.FromMilliseconds(200));

        Assert.Null(session);
    }

    [Fact]
    public async Task ForcedOff_ReportsNoAbandonWithDelay_EvenOnFerry()
    {
        await using var connection = new AmqpServiceBusConnection(ServiceBusEndpoint.Parse(ferry.ConnectionString), useFerryExtensions: false);
        await connection.ConnectAsync();
        Assert.True(connection.IsFerry);
        Assert.False(connection.SupportsAbandonWithDelay);
    }

    [Fact]
    public async Task WrongKey_PutTokenIsRefused()
    {
        var queue = await ferry.CreateQueueAsync();
        var endpoint = ServiceBusEndpoint.Parse(ferry.ConnectionString) with { SharedAccessKey = "not-the-key" };
        await using var connection = new AmqpServiceBusConnection(endpoint);
        var error = await Assert.ThrowsAsync<ServiceBusRequestException>(() => connection.CreateSenderAsync(queue));
        Assert.Equal(401, error.StatusCode);
    }

    [Fact]
    public async Task MissingEntity_AttachFails()
    {
        await using var connection = new AmqpServiceBusConnection(ServiceBusEndpoint.Parse(ferry.ConnectionString));
        var error = await Assert.ThrowsAsync<AmqpException>(() => connection.CreateReceiverAsync("no-such-queue"));
        Assert.Equal("amqp:not-found", error.Error.Condition.ToString());
    }

    [Fact]
    public async Task RenewLock_ThroughManagement_ExtendsTheLock()
    {
        var queue = await ferry.CreateQueueAsync(new QueueSettings { LockDuration = TimeSpan.FromSeconds(30) });
        await using var connection = new AmqpServiceBusConnection(ServiceBusEndpoint.Parse(ferry.ConnectionString));
        var sender = await connection.CreateSenderAsync(queue);
        await sender.SendAsync(new Message("work") { Properties = new() { MessageId = "m1" } });
        var receiver = await connection.CreateReceiverAsync(queue);
        receiver.SetCredit(1, true);
        var message = await receiver.ReceiveAsync(FerryFixture.Timeout);
        // The delivery tag is the lock token in .NET GUID byte order; management takes it as an AMQP uuid.
        var lockToken = new Guid(message.DeliveryTag);
        var before = (DateTime)message.MessageAnnotations[new global::Amqp.Types.Symbol("x-opt-locked-until")];

        var management = await connection.GetManagementClientAsync(queue);
        var renewed = await management.RenewLockAsync(lockToken);
        Assert.True(renewed.UtcDateTime >= before, $"{renewed:O} < {before:O}");

        var lost = await Assert.ThrowsAsync<ServiceBusRequestException>(() => management.RenewLockAsync(Guid.NewGuid()));
        Assert.True(lost.IsLockLost);
    }

    [Fact]
    public async Task ScheduleMessage_ThroughManagement_EnqueuesLater()
    {
        var queue = await ferry.CreateQueueAsync();
        await using var connection = new AmqpServiceBusConnection(ServiceBusEndpoint.Parse(ferry.ConnectionString));
        var management = await connection.GetManagementClientAsync(queue);
        var at = DateTimeOffset.UtcNow.AddMinutes(5);
        var sequenceNumber = await management.ScheduleMessageAsync(new Message("later") { Properties = new() { MessageId = "s1" } }, at);
        Assert.True(sequenceNumber > 0);
        var scheduled = Assert.Single(ferry.Active(queue));
        Assert.Equal(MessageState.Scheduled, scheduled.State);
        Assert.Equal(at, scheduled.ScheduledEnqueueTime!.Value, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Tokens_ArePutAgain_BeforeTheyExpire()
    {
        var queue = await ferry.CreateQueueAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var connection = new AmqpServiceBusConnection(ServiceBusEndpoint.Parse(ferry.ConnectionString), timeProvider: time);
        var sender = await connection.CreateSenderAsync(queue);
        await connection.GetManagementClientAsync(queue);
        Assert.Equal(0, connection.TokensRefreshed);

        time.Advance(TimeSpan.FromMinutes(45));
        await FerryFixture.EventuallyAsync(() => connection.TokensRefreshed == 2, "both audiences re-authorized");
        await sender.SendAsync(new Message("still authorized") { Properties = new() { MessageId = "m1" } });
        Assert.Single(ferry.Active(queue));
    }

    [Fact]
    public async Task Reconnects_AfterTheConnectionFails()
    {
        var queue = await ferry.CreateQueueAsync();
        await using var connection = new AmqpServiceBusConnection(ServiceBusEndpoint.Parse(ferry.ConnectionString));
        var sender = await connection.CreateSenderAsync(queue);
        Assert.Equal(1, connection.Generation);

        await connection.AbortAsync();
        Assert.True(sender.IsClosed);

        var again = await connection.CreateSenderAsync(queue);
        await again.SendAsync(new Message("after") { Properties = new() { MessageId = "m2" } });
        Assert.Equal(2, connection.Generation);
        Assert.Single(ferry.Active(queue));
    }
}
