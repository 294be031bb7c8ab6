namespace Ferry.Storage.Tests;

/// <summary>Entities, sequence numbers, session states and duplicate-detection history.</summary>
public abstract partial class MessageStoreCompliance
{
    [Fact]
    public async Task PutEntity_ThenReopen_RecoversRecord()
    {
        var store = await OpenAsync();
        var queue = new StoredEntity("orders", EntityKind.Queue, """{"maxDeliveryCount":3}""", At(0), At(1));
        var subscription = new StoredEntity("events/subscriptions/audit", EntityKind.Subscription, "{}", At(2), At(2));
        await CommitAsync(store, b => b.PutEntity(queue).PutEntity(subscription));

        var state = await (await ReopenAsync(store)).RecoverAsync();

        Assert.Equal(2, state.Entities.Count);
        Assert.Contains(queue, state.Entities);
        Assert.Contains(subscription, state.Entities);
    }

    [Fact]
    public async Task PutEntity_ForExistingPath_ReplacesRecord()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.PutEntity(new StoredEntity("q", EntityKind.Queue, "{\"v\":1}", At(0), At(0))));
        var replaced = new StoredEntity("q", EntityKind.Queue, "{\"v\":2}", At(0), At(9));

        await CommitAsync(store, b => b.PutEntity(replaced));

        Assert.Equal(replaced, Assert.Single((await (await ReopenAsync(store)).RecoverAsync()).Entities));
    }

    [Fact]
    public async Task DeleteEntity_WithMessagesSessionsAndDuplicates_RemovesAllOfThatEntityOnly()
    {
        var store = await OpenAsync();
        foreach (var path in new[] { "doomed", "kept" })
        {
            await CommitAsync(store, b => b
                .PutEntity(new StoredEntity(path, EntityKind.Queue, "{}", At(0), At(0)))
                .InsertMessage(Message(path, 1))
                .InsertMessage(Message(path, 2))
                .PutSessionState(path, "s", [1])
                .PutDuplicate(path, "m-1", At(100)));
        }

        await CommitAsync(store, b => b.DeleteEntity("doomed"));

        store = await ReopenAsync(store);
        var state = await store.RecoverAsync();
        Assert.Equal("kept", Assert.Single(state.Entities).Path);
        Assert.All(state.Messages, m => Assert.Equal("kept", m.Entity));
        Assert.Equal(2, state.Messages.Count);
        Assert.Equal("kept", Assert.Single(state.SessionStates).Entity);
        Assert.Equal("kept", Assert.Single(state.Duplicates).Entity);
        Assert.False(state.LastSequenceNumbers.ContainsKey("doomed"));
        Assert.Equal(2, state.LastSequenceNumbers["kept"]);
        Assert.Null(await store.ReadBodyAsync("doomed", 1));
    }

    [Fact]
    public async Task DeleteEntity_ThenInsertInSameBatch_StartsSequenceHistoryAfresh()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 50)));

        await CommitAsync(store, b => b.InsertMessage(Message("q", 60)).DeleteEntity("q").InsertMessage(Message("q", 1)));

        var state = await (await ReopenAsync(store)).RecoverAsync();
        Assert.Equal(1, Assert.Single(state.Messages).SequenceNumber);
        Assert.Equal(1, state.LastSequenceNumbers["q"]);
    }

    [Fact]
    public async Task LastSequenceNumber_AfterAllMessagesDeleted_IsKept()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 1)).InsertMessage(Message("q", 2)).InsertMessage(Message("q", 3)));

        await CommitAsync(store, b => b.DeleteMessage("q", 1).DeleteMessage("q", 2).DeleteMessage("q", 3));

        var state = await (await ReopenAsync(store)).RecoverAsync();
        Assert.Empty(state.Messages);
        Assert.Equal(3, state.LastSequenceNumbers["q"]);
    }

    [Fact]
    public async Task InsertMessage_BelowLastSequenceNumber_DoesNotLowerIt()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 10)));

        await CommitAsync(store, b => b.InsertMessage(Message("q", 4)));

        Assert.Equal(10, (await (await ReopenAsync(store)).RecoverAsync()).LastSequenceNumbers["q"]);
    }

    [Fact]
    public async Task RaiseSequenceNumber_AboveAndBelowCurrent_OnlyRaises()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 5)));

        await CommitAsync(store, b => b.RaiseSequenceNumber("q", 100));
        await CommitAsync(store, b => b.RaiseSequenceNumber("q", 50).RaiseSequenceNumber("empty", 7));

        var state = await (await ReopenAsync(store)).RecoverAsync();
        Assert.Equal(100, state.LastSequenceNumbers["q"]);
        Assert.Equal(7, state.LastSequenceNumbers["empty"]);
        Assert.Single(state.Messages);
    }

    [Fact]
    public async Task SessionState_PutReplaceAndDelete_RecoversLatest()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.PutSessionState("q", "a", [1]).PutSessionState("q", "b", [2]).PutSessionState("r", "a", [3]));

        await CommitAsync(store, b => b.PutSessionState("q", "a", [4, 5]).DeleteSessionState("q", "b").DeleteSessionState("q", "none"));

        var state = await (await ReopenAsync(store)).RecoverAsync();
        Assert.Equal(2, state.SessionStates.Count);
        var qa = Assert.Single(state.SessionStates, s => s.Entity == "q");
        Assert.Equal("a", qa.SessionId);
        Assert.Equal([4, 5], qa.State);
        Assert.Equal([3], Assert.Single(state.SessionStates, s => s.Entity == "r").State);
    }

    [Fact]
    public async Task PruneDuplicates_AtExpiry_RemovesExpiredEntriesOfThatEntityOnly()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b
            .PutDuplicate("q", "due", At(10))
            .PutDuplicate("q", "later", At(10).AddTicks(1))
            .PutDuplicate("other", "due", At(10)));

        // Expiry is inclusive: an entry expiring exactly at "now" goes, one a tick later stays.
        await CommitAsync(store, b => b.PruneDuplicates("q", At(10)));

        var state = await (await ReopenAsync(store)).RecoverAsync();
        Assert.Equal(2, state.Duplicates.Count);
        Assert.Contains(new StoredDuplicate("q", "later", At(10).AddTicks(1)), state.Duplicates);
        Assert.Contains(new StoredDuplicate("other", "due", At(10)), state.Duplicates);
    }

    [Fact]
    public async Task PutDuplicate_ForKnownMessageId_ReplacesExpiry()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.PutDuplicate("q", "m", At(10)));

        await CommitAsync(store, b => b.PutDuplicate("q", "m", At(20)));

        Assert.Equal(At(20), Assert.Single((await store.RecoverAsync()).Duplicates).ExpiresAt);
    }
}
