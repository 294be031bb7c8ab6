namespace Ferry.Storage.Tests;

/// <summary>Atomicity, isolation of failing batches, ordering and concurrency.</summary>
public abstract partial class MessageStoreCompliance
{
    [Fact]
    public async Task Commit_OfBatchWithFailingOperation_AppliesNothingOfIt()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 1)));

        var bad = new WriteBatch()
            .PutEntity(new StoredEntity("q", EntityKind.Queue, "{}", At(0), At(0)))
            .InsertMessage(Message("q", 9))
            .PutSessionState("q", "s", [1])
            .DeleteMessage("q", 1)
            .RaiseSequenceNumber("q", 50)
            .InsertMessage(Message("q", 9));
        await Assert.ThrowsAsync<StoreException>(() => store.CommitAsync(bad).AsTask());

        store = await ReopenAsync(store);
        var state = await store.RecoverAsync();
        Assert.Empty(state.Entities);
        Assert.Empty(state.SessionStates);
        Assert.Equal(1, Assert.Single(state.Messages).SequenceNumber);
        Assert.Equal(1, state.LastSequenceNumbers["q"]);
        Assert.Equal(Body(1), await store.ReadBodyAsync("q", 1));
    }

    [Fact]
    public async Task Commit_OfFailingBatchGroupedWithGoodOnes_FailsOnlyThatBatch()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 1)));

        PauseWriter(store);
        var before = store.CommitAsync(new WriteBatch().InsertMessage(Message("q", 2))).AsTask();
        var bad = store.CommitAsync(new WriteBatch().InsertMessage(Message("q", 3)).RaiseSequenceNumber("q", 99).InsertMessage(Message("q", 1))).AsTask();
        var after = store.CommitAsync(new WriteBatch().InsertMessage(Message("q", 4))).AsTask();
        ResumeWriter(store);

        await before;
        await after;
        await Assert.ThrowsAsync<StoreException>(() => bad);
        var state = await (await ReopenAsync(store)).RecoverAsync();
        Assert.Equal([1L, 2L, 4L], state.Messages.Select(m => m.SequenceNumber));
        Assert.Equal(4, state.LastSequenceNumbers["q"]);
    }

    [Fact]
    public async Task Commit_OfBatchesInOneGroup_AppliesThemInCallOrder()
    {
        var store = await OpenAsync();

        PauseWriter(store);
        var commits = new[]
        {
            store.CommitAsync(new WriteBatch().InsertMessage(Message("q", 1))).AsTask(),
            store.CommitAsync(new WriteBatch().UpdateMessage(Message("q", 1, deliveryCount: 1))).AsTask(),
            store.CommitAsync(new WriteBatch().DeleteMessage("q", 1)).AsTask(),
            store.CommitAsync(new WriteBatch().InsertMessage(Message("q", 1, bodyLength: 5))).AsTask(),
            store.CommitAsync(new WriteBatch().UpdateMessage(Message("q", 1, deliveryCount: 7))).AsTask(),
            store.CommitAsync(new WriteBatch().PutSessionState("q", "s", [1])).AsTask(),
            store.CommitAsync(new WriteBatch().PutSessionState("q", "s", [2])).AsTask(),
            store.CommitAsync(new WriteBatch().InsertMessage(Message("gone", 30))).AsTask(),
            store.CommitAsync(new WriteBatch().DeleteEntity("gone")).AsTask(),
            store.CommitAsync(new WriteBatch().InsertMessage(Message("gone", 2))).AsTask(),
        };
        ResumeWriter(store);
        await Task.WhenAll(commits);

        store = await ReopenAsync(store);
        var state = await store.RecoverAsync();
        Assert.Equal(7, Find(state, "q", 1)!.DeliveryCount);
        Assert.Equal(5, Find(state, "q", 1)!.BodyLength);
        Assert.Equal([2], Assert.Single(state.SessionStates).State);
        Assert.Equal(2, Assert.Single(state.Messages, m => m.Entity == "gone").SequenceNumber);
        Assert.Equal(2, state.LastSequenceNumbers["gone"]);
    }

    [Fact]
    public async Task Commit_UpdateThenDeleteInOneGroup_MessageIsGoneAndOthersKept()
    {
        var store = await OpenAsync();
        await store.CommitAsync(new WriteBatch().InsertMessage(Message("q", 1)).InsertMessage(Message("q", 2)));

        PauseWriter(store);
        var commits = new[]
        {
            store.CommitAsync(new WriteBatch().UpdateMessage(Message("q", 1, deliveryCount: 1))).AsTask(),
            store.CommitAsync(new WriteBatch().UpdateMessage(Message("q", 2, deliveryCount: 3))).AsTask(),
            store.CommitAsync(new WriteBatch().DeleteMessage("q", 1)).AsTask(),
        };
        ResumeWriter(store);
        await Task.WhenAll(commits);

        store = await ReopenAsync(store);
        var state = await store.RecoverAsync();
        Assert.Null(Find(state, "q", 1));
        Assert.Equal(3, Find(state, "q", 2)!.DeliveryCount);
    }

    [Fact]
    public async Task Commit_OfEmptyBatch_Completes()
    {
        var store = await OpenAsync();

        await store.CommitAsync(new WriteBatch());

        Assert.Empty((await store.RecoverAsync()).Messages);
    }

    [Fact]
    public async Task Commit_WithCanceledToken_AppliesNothing()
    {
        var store = await OpenAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => store.CommitAsync(new WriteBatch().InsertMessage(Message("q", 1)), new CancellationToken(canceled: true)).AsTask());

        Assert.Empty((await store.RecoverAsync()).Messages);
    }

    [Fact]
    public async Task Commit_FromManyConcurrentCallers_CompletesAllAndKeepsAllData()
    {
        const int Producers = 50;
        const int BatchesEach = 200;
        var store = await OpenAsync();

        var producers = new Task[Producers];
        for (var p = 0; p < Producers; p++)
        {
            var entity = $"q{p}";
            producers[p] = Task.Run(async () =>
            {
                for (var i = 1; i <= BatchesEach; i++)
                {
                    var batch = new WriteBatch().InsertMessage(Message(entity, i, bodyLength: 32));
                    // Every other batch also settles the previous message, the send/complete pattern.
                    if (i % 2 == 0)
                        batch.DeleteMessage(entity, i - 1);
                    await store.CommitAsync(batch);
                }
            });
        }

        await Task.WhenAll(producers);

        store = await ReopenAsync(store);
        var state = await store.RecoverAsync();
        Assert.Equal(Producers * BatchesEach / 2, state.Messages.Count);
        for (var p = 0; p < Producers; p++)
        {
            Assert.Equal(BatchesEach, state.LastSequenceNumbers[$"q{p}"]);
            Assert.NotNull(Find(state, $"q{p}", BatchesEach));
            Assert.Null(Find(state, $"q{p}", BatchesEach - 1));
        }

        Assert.Equal(Body(BatchesEach, 32), await store.ReadBodyAsync("q7", BatchesEach));
    }
}
