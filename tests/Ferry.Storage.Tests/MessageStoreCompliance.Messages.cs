namespace Ferry.Storage.Tests;

/// <summary>Messages: insert, read, update, delete, recovery.</summary>
public abstract partial class MessageStoreCompliance
{
    [Fact]
    public async Task InsertMessage_ThenReopenAndRecover_ReturnsMetadataWithoutBody()
    {
        var store = await OpenAsync();
        var message = new StoredMessage
        {
            Entity = "orders",
            SequenceNumber = 7,
            SubQueue = SubQueue.DeadLetter,
            State = MessageState.Scheduled,
            DeliveryCount = 3,
            EnqueuedTime = At(1),
            ScheduledEnqueueTime = At(60),
            ExpiresAt = At(3600),
            VisibleAfter = At(30),
            MessageId = "id-7",
            SessionId = "session-a",
            Overlay = [9, 8, 7],
            Body = Body(7, 1024),
        };
        await CommitAsync(store, b => b.InsertMessage(message));

        store = await ReopenAsync(store);
        var state = await store.RecoverAsync();

        var recovered = Assert.Single(state.Messages);
        AssertMetadata(message, recovered);
        Assert.True(recovered.Body.IsEmpty);
        Assert.Equal(1024, recovered.BodyLength);
        Assert.Equal(Body(7, 1024), await store.ReadBodyAsync("orders", 7));
        Assert.Equal(7, state.LastSequenceNumbers["orders"]);
    }

    [Fact]
    public async Task RecoverStreaming_HandsEveryMessageOverInEntityAndSequenceOrder_AndKeepsNoList()
    {
        var store = await OpenAsync();
        var full = new StoredMessage
        {
            Entity = "b", SequenceNumber = 2, SubQueue = SubQueue.DeadLetter, State = MessageState.Deferred, DeliveryCount = 4,
            EnqueuedTime = At(1), ScheduledEnqueueTime = At(2), ExpiresAt = At(3), VisibleAfter = At(4),
            MessageId = "3f2504e0-4f89-11d3-9a0c-0305e82c3301", SessionId = "s", Overlay = [1, 2], Body = Body(2, 300),
        };
        await CommitAsync(store, b =>
        {
            b.InsertMessage(Message("b", 1));
            b.InsertMessage(full);
            b.InsertMessage(Message("a", 5));
            b.InsertMessage(Message("a", 3));
        });
        store = await ReopenAsync(store);
        var collected = (await store.RecoverAsync()).Messages;

        var streamed = new List<StoredMessage>();
        var state = await store.RecoverAsync(streamed.Add);

        Assert.Empty(state.Messages);
        Assert.Equal([("a", 3L), ("a", 5L), ("b", 1L), ("b", 2L)], streamed.Select(m => (m.Entity, m.SequenceNumber)));
        Assert.Equal(collected.Count, streamed.Count);
        for (var i = 0; i < streamed.Count; i++)
            AssertMetadata(collected[i], streamed[i]);
        AssertMetadata(full, streamed[3]);
        Assert.Equal(300, streamed[3].BodyLength);
        Assert.True(streamed[3].Body.IsEmpty);
        Assert.Equal(5, state.LastSequenceNumbers["a"]);
    }

    [Fact]
    public async Task InsertMessage_WithOptionalFieldsUnset_RecoversThemAsNull()
    {
        var store = await OpenAsync();
        var message = new StoredMessage { Entity = "q", SequenceNumber = 1, EnqueuedTime = At(0), Body = Body(1) };
        await CommitAsync(store, b => b.InsertMessage(message));

        var recovered = Assert.Single((await (await ReopenAsync(store)).RecoverAsync()).Messages);

        AssertMetadata(message, recovered);
        Assert.Null(recovered.MessageId);
        Assert.Null(recovered.Overlay);
        Assert.Null(recovered.ExpiresAt);
    }

    [Fact]
    public async Task InsertMessage_WithEmptyBody_ReadsBackEmptyBody()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 1, bodyLength: 0)));

        Assert.Empty((await store.ReadBodyAsync("q", 1))!);
        Assert.Equal(0, Assert.Single((await store.RecoverAsync()).Messages).BodyLength);
    }

    [Fact]
    public async Task InsertMessage_WithBodySlice_StoresOnlyTheSlice()
    {
        var store = await OpenAsync();
        var buffer = new byte[] { 1, 2, 3, 4, 5, 6 };
        await CommitAsync(store, b => b.InsertMessage(new StoredMessage
        {
            Entity = "q", SequenceNumber = 1, EnqueuedTime = At(0), Body = buffer.AsMemory(2, 3),
        }));

        // The caller owns its buffer again once the commit completes.
        buffer.AsSpan().Clear();

        Assert.Equal([3, 4, 5], await store.ReadBodyAsync("q", 1));
        Assert.Equal(3, Assert.Single((await store.RecoverAsync()).Messages).BodyLength);
    }

    [Fact]
    public async Task InsertMessage_WithNonUtcOffset_RecoversSameInstantToTheTick()
    {
        var store = await OpenAsync();
        var enqueued = new DateTimeOffset(2025, 3, 1, 14, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234567);
        await CommitAsync(store, b => b.InsertMessage(new StoredMessage
        {
            Entity = "q", SequenceNumber = 1, EnqueuedTime = enqueued, ExpiresAt = enqueued.AddTicks(1), Body = Body(1),
        }));

        var recovered = Assert.Single((await (await ReopenAsync(store)).RecoverAsync()).Messages);

        Assert.Equal(enqueued.UtcTicks, recovered.EnqueuedTime.UtcTicks);
        Assert.Equal(TimeSpan.Zero, recovered.EnqueuedTime.Offset);
        Assert.Equal(enqueued.UtcTicks + 1, recovered.ExpiresAt!.Value.UtcTicks);
    }

    [Fact]
    public async Task ReadBody_OfMissingMessage_ReturnsNull()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 1)));

        Assert.Null(await store.ReadBodyAsync("q", 2));
        Assert.Null(await store.ReadBodyAsync("other", 1));
    }

    [Fact]
    public async Task ReadBody_RightAfterCommitCompletes_SeesItWhileOthersWrite()
    {
        var store = await OpenAsync();

        var producers = new Task[8];
        for (var p = 0; p < producers.Length; p++)
        {
            var entity = $"q{p}";
            producers[p] = Task.Run(async () =>
            {
                for (var i = 1; i <= 50; i++)
                {
                    await store.CommitAsync(new WriteBatch().InsertMessage(Message(entity, i)));
                    Assert.Equal(Body(i), await store.ReadBodyAsync(entity, i));
                }
            });
        }

        await Task.WhenAll(producers);
    }

    [Fact]
    public async Task UpdateMessage_OfStoredMessage_ChangesMetadataButNotBody()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 1, bodyLength: 100)));
        var updated = new StoredMessage
        {
            Entity = "q",
            SequenceNumber = 1,
            SubQueue = SubQueue.DeadLetter,
            State = MessageState.Deferred,
            DeliveryCount = 2,
            EnqueuedTime = At(5),
            VisibleAfter = At(50),
            MessageId = "renamed",
            SessionId = "s",
            Overlay = [1, 2],
            Body = Body(99, 3),
        };
        await CommitAsync(store, b => b.UpdateMessage(updated));

        store = await ReopenAsync(store);
        var recovered = Assert.Single((await store.RecoverAsync()).Messages);

        AssertMetadata(updated, recovered);
        Assert.Equal(100, recovered.BodyLength);
        Assert.Equal(Body(1, 100), await store.ReadBodyAsync("q", 1));
    }

    [Fact]
    public async Task UpdateMessage_OfMissingMessage_IsIgnored()
    {
        var store = await OpenAsync();

        await CommitAsync(store, b => b.UpdateMessage(Message("q", 1)));

        var state = await store.RecoverAsync();
        Assert.Empty(state.Messages);
        Assert.False(state.LastSequenceNumbers.ContainsKey("q"));
    }

    [Fact]
    public async Task DeleteMessage_OfStoredMessage_RemovesMetadataAndBody()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 1)).InsertMessage(Message("q", 2)));

        await CommitAsync(store, b => b.DeleteMessage("q", 1));

        store = await ReopenAsync(store);
        var state = await store.RecoverAsync();
        Assert.Equal(2, Assert.Single(state.Messages).SequenceNumber);
        Assert.Null(await store.ReadBodyAsync("q", 1));
    }

    [Fact]
    public async Task DeleteMessage_OfMissingMessage_IsIgnored()
    {
        var store = await OpenAsync();
        await CommitAsync(store, b => b.InsertMessage(Message("q", 1)));

        await CommitAsync(store, b => b.DeleteMessage("q", 5).DeleteMessage("nowhere", 1));

        Assert.Single((await store.RecoverAsync()).Messages);
    }

    [Fact]
    public async Task Recover_AfterReopenWithThousandsOfMessages_ReturnsAllInEntityAndSequenceOrder()
    {
        var store = await OpenAsync();
        string[] entities = ["b-queue", "a-queue", "c-topic/subscriptions/s1"];
        const int PerEntity = 2000;

        // Sequence numbers arrive out of order across batches; recovery must still return them sorted.
        var random = new Random(42);
        var order = new long[PerEntity];
        for (var i = 0; i < PerEntity; i++)
            order[i] = i + 1;
        random.Shuffle(order);
        for (var start = 0; start < PerEntity; start += 250)
        {
            var batch = new WriteBatch();
            foreach (var entity in entities)
            {
                for (var i = start; i < start + 250; i++)
                    batch.InsertMessage(Message(entity, order[i], bodyLength: 200));
            }

            await store.CommitAsync(batch);
        }

        store = await ReopenAsync(store);
        var state = await store.RecoverAsync();

        Assert.Equal(entities.Length * PerEntity, state.Messages.Count);
        for (var i = 1; i < state.Messages.Count; i++)
        {
            var previous = state.Messages[i - 1];
            var current = state.Messages[i];
            var entityOrder = string.CompareOrdinal(previous.Entity, current.Entity);
            Assert.True(entityOrder < 0 || (entityOrder == 0 && previous.SequenceNumber < current.SequenceNumber),
                $"{previous.Entity}#{previous.SequenceNumber} before {current.Entity}#{current.SequenceNumber}");
        }

        foreach (var entity in entities)
            Assert.Equal(PerEntity, state.LastSequenceNumbers[entity]);
        AssertMetadata(Message("a-queue", 1234), Find(state, "a-queue", 1234));
        Assert.Equal(Body(1234, 200), await store.ReadBodyAsync("c-topic/subscriptions/s1", 1234));
    }
}
