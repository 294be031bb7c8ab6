using Ferry.Storage;

namespace Ferry.Storage.Tests;

/// <summary>WriteBatch keeps its first operation inline and the rest in an array: order and bounds hold across that seam.</summary>
public sealed class WriteBatchTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(3, 40)]
    public void Operations_KeepTheOrderTheyWereAddedIn(int capacity, int added)
    {
        var batch = capacity == 0 ? new WriteBatch() : new WriteBatch(capacity);
        for (var i = 0; i < added; i++)
            batch.DeleteMessage("q", i + 1);

        Assert.Equal(added, batch.Count);
        Assert.Equal(added, batch.Operations.Count);
        Assert.Equal(Enumerable.Range(1, added).Select(i => (long)i), batch.Operations.Select(o => o.SequenceNumber));
        for (var i = 0; i < added; i++)
            Assert.Equal(new WriteOperation(WriteOperationKind.DeleteMessage, "q", SequenceNumber: i + 1), batch.Operations[i]);
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Operations[added]);
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Operations[-1]);
    }

    [Fact]
    public void NegativeCapacity_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriteBatch(-1));
}
