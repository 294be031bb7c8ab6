using Ferry.Broker;

namespace Ferry.Broker.Tests;

/// <summary>The sub-queue index against a <see cref="SortedSet{T}"/> of the same numbers, under the shapes the broker makes.</summary>
public sealed class SequenceIndexTests
{
    private static MessageEntry Entry(long sequenceNumber) => new() { SequenceNumber = sequenceNumber };

    [Fact]
    public void AppendsThenTakesFromTheFront_LikeAQueue()
    {
        var index = new SequenceIndex();
        for (var i = 1; i <= 1000; i++)
            Assert.True(index.Add(Entry(i)));
        for (var i = 1; i <= 600; i++)
            Assert.True(index.Remove(Entry(i)));

        Assert.Equal(400, index.Count);
        Assert.Equal(Enumerable.Range(601, 400).Select(i => (long)i), index.Select(e => e.SequenceNumber));
        Assert.Null(index.Find(600));
        Assert.Equal(601, index.Find(601)!.SequenceNumber);
        Assert.Equal([998L, 999, 1000], index.From(998).Select(e => e.SequenceNumber));
        Assert.Empty(index.From(1001));
    }

    [Fact]
    public void EmptiedAndRefilled_ReusesItsChunk_AllocatesNothing_AndKeepsOrder()
    {
        var index = new SequenceIndex();
        var entries = Enumerable.Range(1, 3000).Select(i => Entry(i)).ToArray();
        index.Add(entries[0]);
        index.Remove(entries[0]);

        // A queue its receivers keep empty: one message in, one out, many times over (more than a chunk's worth).
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i < 2000; i++)
        {
            Assert.True(index.Add(entries[i]));
            Assert.True(index.Remove(entries[i]));
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(0, index.Count);
        Assert.Empty(index);
        for (var i = 2000; i < 2600; i++)
            index.Add(entries[i]);
        Assert.Equal(Enumerable.Range(2001, 600).Select(i => (long)i), index.Select(e => e.SequenceNumber));
        Assert.Null(index.Find(1999));
    }

    [Fact]
    public void Add_OfANumberAlreadyThere_IsRefusedAndChangesNothing()
    {
        var index = new SequenceIndex();
        var first = Entry(5);
        index.Add(first);
        index.Add(Entry(9));

        Assert.False(index.Add(Entry(5)));
        Assert.Same(first, index.Find(5));
        Assert.Equal(2, index.Count);
        Assert.False(index.Remove(Entry(7)));
    }

    [Fact]
    public void InsertsOlderNumbers_SplittingFullChunks_AndBrowsesFromAnyPoint()
    {
        // Even numbers arrive first (more than two chunks' worth), then the odd ones come back in between, as dead-lettered
        // messages do: every chunk fills and splits.
        var index = new SequenceIndex();
        var count = SequenceIndex.ChunkCapacity * 3;
        for (var i = 0; i < count; i++)
            index.Add(Entry(i * 2));
        for (var i = count - 1; i >= 0; i--)
            Assert.True(index.Add(Entry((i * 2) + 1)));

        Assert.Equal(count * 2, index.Count);
        Assert.Equal(Enumerable.Range(0, count * 2).Select(i => (long)i), index.Select(e => e.SequenceNumber));
        Assert.Equal(Enumerable.Range(301, 5).Select(i => (long)i), index.From(301).Take(5).Select(e => e.SequenceNumber));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomOperations_MatchASortedSet(int seed)
    {
        var random = new Random(seed);
        var index = new SequenceIndex();
        var model = new SortedSet<long>();
        long next = 1;
        for (var step = 0; step < 20_000; step++)
        {
            var roll = random.Next(100);
            if (roll < 45)
            {
                Assert.True(index.Add(Entry(next)));
                model.Add(next++);
            }
            else if (roll < 55)
            {
                // An older number (a message moved between sub-queues keeps its number).
                var old = (long)random.Next(1, (int)next);
                Assert.Equal(model.Add(old), index.Add(Entry(old)));
            }
            else if (roll < 80 && model.Count > 0)
            {
                var front = model.Min;
                Assert.True(index.Remove(Entry(front)));
                model.Remove(front);
            }
            else
            {
                var any = (long)random.Next(1, (int)next);
                Assert.Equal(model.Remove(any), index.Remove(Entry(any)));
            }

            if (step % 997 == 0)
            {
                Assert.Equal(model.Count, index.Count);
                Assert.Equal(model, index.Select(e => e.SequenceNumber));
                var from = (long)random.Next(1, (int)next + 1);
                Assert.Equal(model.Where(n => n >= from).Take(50), index.From(from).Take(50).Select(e => e.SequenceNumber));
                var probe = (long)random.Next(1, (int)next + 1);
                Assert.Equal(model.Contains(probe), index.Find(probe) is not null);
            }
        }
        Assert.Equal(model, index.Select(e => e.SequenceNumber));
    }
}
