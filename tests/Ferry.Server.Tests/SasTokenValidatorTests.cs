using Ferry.Server.Amqp;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Server.Tests;

public sealed class SasTokenValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly SasTokenValidator _validator;

    public SasTokenValidatorTests()
    {
        _validator = new SasTokenValidator([new SharedAccessKey(ServerFixture.KeyName, ServerFixture.Key), new SharedAccessKey("listen", "other-key")], _time);
    }

    [Fact]
    public void TryValidate_ValidToken_ReturnsAudienceAndExpiry()
    {
        var token = LiteHelpers.SasToken("sb://localhost/orders/$management", Now.AddHours(1));
        Assert.True(_validator.TryValidate(token, out var audience, out var expires, out var error), error);
        Assert.Equal("sb://localhost/orders/$management", audience);
        Assert.Equal(Now.AddHours(1), expires);
        Assert.Equal("orders/$management", SasTokenValidator.AudiencePath(audience));
    }

    [Fact]
    public void TryValidate_SecondConfiguredKey_Valid()
    {
        var token = LiteHelpers.SasToken("sb://localhost/orders", Now.AddHours(1), "listen", "other-key");
        Assert.True(_validator.TryValidate(token, out _, out _, out var error), error);
    }

    [Fact]
    public void TryValidate_AtExpiry_RejectedOneSecondBeforeAccepted()
    {
        var token = LiteHelpers.SasToken("sb://localhost/orders", Now.AddSeconds(60));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(_validator.TryValidate(token, out _, out _, out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(_validator.TryValidate(token, out _, out _, out var error));
        Assert.Contains("expired", error);
    }

    [Fact]
    public void TryValidate_WrongKey_RejectedNamingTheKey()
    {
        var token = LiteHelpers.SasToken("sb://localhost/orders", Now.AddHours(1), key: "not-the-key");
        Assert.False(_validator.TryValidate(token, out _, out _, out var error));
        Assert.Contains("signature does not match", error);
        Assert.Contains(ServerFixture.KeyName, error);
    }

    [Fact]
    public void TryValidate_UnknownKeyName_Rejected()
    {
        var token = LiteHelpers.SasToken("sb://localhost/orders", Now.AddHours(1), keyName: "nobody");
        Assert.False(_validator.TryValidate(token, out _, out _, out var error));
        Assert.Contains("'nobody' is not known", error);
    }

    [Theory]
    [InlineData("sr=sb%3A%2F%2Flocalhost%2Forders", "sr=sb%3A%2F%2Flocalhost%2Fpayments")] // audience swapped
    [InlineData("&se=", "&se=9")] // expiry pushed out
    public void TryValidate_TamperedToken_Rejected(string original, string replacement)
    {
        var token = LiteHelpers.SasToken("sb://localhost/orders", Now.AddHours(1));
        Assert.Contains(original, token);
        var tampered = token.Replace(original, replacement, StringComparison.Ordinal);
        Assert.False(_validator.TryValidate(tampered, out _, out _, out var error));
        Assert.Contains("signature does not match", error);
    }

    [Theory]
    [InlineData("Bearer abc")]
    [InlineData("SharedAccessSignature sr=a&sig=b")]
    [InlineData("SharedAccessSignature sr=a&sig=b&se=soon&skn=RootManageSharedAccessKey")]
    [InlineData("SharedAccessSignature sr=a&sig=%%%&se=9999999999&skn=RootManageSharedAccessKey")]
    public void TryValidate_MalformedToken_RejectedWithReason(string token)
    {
        Assert.False(_validator.TryValidate(token, out _, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void IsValidKey_NameAndKey_OnlyExactPairAccepted()
    {
        Assert.True(_validator.IsValidKey(ServerFixture.KeyName, ServerFixture.Key));
        Assert.False(_validator.IsValidKey(ServerFixture.KeyName, "other-key"));
        Assert.False(_validator.IsValidKey("listen", ServerFixture.Key));
    }
}
