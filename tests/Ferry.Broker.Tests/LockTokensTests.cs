namespace Ferry.Broker.Tests;

public sealed class LockTokensTests
{
    [Fact]
    public void Next_OverSeveralBlocks_GivesDistinctVersion4Guids()
    {
        var seen = new HashSet<Guid>();
        for (var i = 0; i < 1000; i++)
        {
            var token = LockTokens.Next();
            Assert.True(seen.Add(token), $"token {i} repeated");
            Assert.Equal(4, token.Version);
            Assert.Equal(0x8, token.Variant & 0xC);
        }
    }
}
