namespace Ferry.Storage.Tests;

/// <summary>Disposal and reopening.</summary>
public abstract partial class MessageStoreCompliance
{
    [Fact]
    public async Task Operations_AfterDispose_ThrowObjectDisposed()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 1)));

        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CommitAsync(new WriteBatch().DeleteMessage("q", 1)).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ReadBodyAsync("q", 1).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.RecoverAsync().AsTask());
    }

    [Fact]
    public async Task Dispose_WithCommitsInFlight_CompletesThemAllDurably()
    {
        var store = await OpenAsync();
        var commits = new List<Task>();
        for (var i = 1; i <= 500; i++)
            commits.Add(store.CommitAsync(new WriteBatch().InsertMessage(Message("q", i, bodyLength: 16))).AsTask());

        await store.DisposeAsync();

        await Task.WhenAll(commits);
        var state = await (await OpenAsync()).RecoverAsync();
        Assert.Equal(500, state.Messages.Count);
        Assert.Equal(500, state.LastSequenceNumbers["q"]);
    }

    [Fact]
    public async Task Dispose_CalledTwice_IsHarmless()
    {
        var store = await OpenAsync();

        await store.DisposeAsync();
        await store.DisposeAsync();
    }

    [Fact]
    public async Task Reopen_OfEmptyStore_RecoversNothing()
    {
        var store = await ReopenAsync(await OpenAsync());

        var state = await store.RecoverAsync();

        Assert.Empty(state.Entities);
        Assert.Empty(state.Messages);
        Assert.Empty(state.LastSequenceNumbers);
        Assert.Empty(state.SessionStates);
        Assert.Empty(state.Duplicates);
    }
}
