using Ferry.Storage;

namespace Ferry.Storage.Tests;

public abstract partial class MessageStoreCompliance
{
    private static StoredMessage Sharing(string entity, long sequenceNumber, string owner, int bodyLength) => new()
    {
        Entity = entity,
        SequenceNumber = sequenceNumber,
        EnqueuedTime = T0,
        MessageId = $"m-{sequenceNumber}",
        SharedBodyOwner = owner,
        BodyLength = bodyLength,
    };

    [Fact]
    public async Task SharedBody_PutOnceForSeveralMessages_EachReadsItAndRecoversItsLength()
    {
        var store = await OpenAsync();
        var body = Body(5, 300);
        await store.CommitAsync(new WriteBatch()
            .PutBody("topic", 5, body)
            .InsertMessage(Sharing("topic/subscriptions/a", 5, "topic", body.Length))
            .InsertMessage(Sharing("topic/subscriptions/b", 5, "topic", body.Length)));

        store = await ReopenAsync(store);
        var state = await store.RecoverAsync();

        Assert.Equal(300, Find(state, "topic/subscriptions/a", 5)!.BodyLength);
        Assert.Equal(body, await store.ReadBodyAsync("topic/subscriptions/a", 5));
        Assert.Equal(body, await store.ReadBodyAsync("topic/subscriptions/b", 5));
    }

    [Fact]
    public async Task SharedBody_OneSharerDeleted_OthersStillReadIt()
    {
        var store = await OpenAsync();
        var body = Body(9, 100);
        await store.CommitAsync(new WriteBatch()
            .PutBody("topic", 9, body)
            .InsertMessage(Sharing("topic/subscriptions/a", 9, "topic", body.Length))
            .InsertMessage(Sharing("topic/subscriptions/b", 9, "topic", body.Length))
            .InsertMessage(Sharing("topic/subscriptions/c", 9, "topic", body.Length)));

        await store.CommitAsync(new WriteBatch().DeleteMessage("topic/subscriptions/a", 9));
        await store.CommitAsync(new WriteBatch().DeleteEntity("topic/subscriptions/b"));
        store = await ReopenAsync(store);

        Assert.Null(await store.ReadBodyAsync("topic/subscriptions/a", 9));
        Assert.Null(await store.ReadBodyAsync("topic/subscriptions/b", 9));
        Assert.Equal(body, await store.ReadBodyAsync("topic/subscriptions/c", 9));
    }
}
