namespace Ferry.Storage.Tests;

/// <summary>
/// The behaviour every <see cref="IMessageStore"/> engine must show. An engine's test class derives from this and says how
/// to open a store over a directory; opening the same directory again is a restart.
/// </summary>
public abstract partial class MessageStoreCompliance : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly List<IMessageStore> _opened = [];

    protected MessageStoreCompliance()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "ferry-storage-tests", Guid.NewGuid().ToString("N"));
    }

    /// <summary>A fresh directory per test; the engine may create it.</summary>
    protected string DataDirectory { get; }

    /// <summary>Opens the engine over <paramref name="directory"/>, seeing everything committed by earlier stores there.</summary>
    protected abstract ValueTask<IMessageStore> CreateStoreAsync(string directory);

    /// <summary>Makes the engine queue commits without applying them, so the next ones form one group. No-op for engines without groups.</summary>
    protected virtual void PauseWriter(IMessageStore store) { }

    /// <summary>Lets a paused engine apply everything queued meanwhile.</summary>
    protected virtual void ResumeWriter(IMessageStore store) { }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
            await store.DisposeAsync();
        if (Directory.Exists(DataDirectory))
            Directory.Delete(DataDirectory, recursive: true);
    }

    protected async Task<IMessageStore> OpenAsync()
    {
        var store = await CreateStoreAsync(DataDirectory);
        _opened.Add(store);
        return store;
    }

    protected async Task<IMessageStore> ReopenAsync(IMessageStore store)
    {
        await store.DisposeAsync();
        return await OpenAsync();
    }

    protected static async Task CommitAsync(IMessageStore store, Action<WriteBatch> build)
    {
        var batch = new WriteBatch();
        build(batch);
        await store.CommitAsync(batch);
    }

    protected static byte[] Body(long sequenceNumber, int length = 64)
    {
        var body = new byte[length];
        for (var i = 0; i < body.Length; i++)
            body[i] = (byte)(sequenceNumber + i);
        return body;
    }

    protected static StoredMessage Message(string entity, long sequenceNumber, int bodyLength = 64, int deliveryCount = 0) => new()
    {
        Entity = entity,
        SequenceNumber = sequenceNumber,
        EnqueuedTime = T0.AddSeconds(sequenceNumber),
        DeliveryCount = deliveryCount,
        MessageId = $"m-{sequenceNumber}",
        Body = Body(sequenceNumber, bodyLength),
    };

    protected static StoredMessage? Find(RecoveredState state, string entity, long sequenceNumber)
    {
        foreach (var message in state.Messages)
        {
            if (message.Entity == entity && message.SequenceNumber == sequenceNumber)
                return message;
        }

        return null;
    }

    protected static void AssertMetadata(StoredMessage expected, StoredMessage? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Entity, actual.Entity);
        Assert.Equal(expected.SequenceNumber, actual.SequenceNumber);
        Assert.Equal(expected.SubQueue, actual.SubQueue);
        Assert.Equal(expected.State, actual.State);
        Assert.Equal(expected.DeliveryCount, actual.DeliveryCount);
        Assert.Equal(expected.EnqueuedTime, actual.EnqueuedTime);
        Assert.Equal(expected.ScheduledEnqueueTime, actual.ScheduledEnqueueTime);
        Assert.Equal(expected.ExpiresAt, actual.ExpiresAt);
        Assert.Equal(expected.VisibleAfter, actual.VisibleAfter);
        Assert.Equal(expected.MessageId, actual.MessageId);
        Assert.Equal(expected.SessionId, actual.SessionId);
        Assert.Equal(expected.Overlay, actual.Overlay);
    }

    protected static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);
}
