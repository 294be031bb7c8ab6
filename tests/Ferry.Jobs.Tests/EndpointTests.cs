using System.Security.Cryptography;
using System.Text;

namespace Ferry.Jobs.Tests;

public class EndpointTests
{
    [Fact]
    public void Parse_ReadsEveryPart()
    {
        var endpoint = ServiceBusEndpoint.Parse(
            "Endpoint=sb://localhost:5679/;SharedAccessKeyName=Root;SharedAccessKey=abc=/x+=;UseDevelopmentEmulator=true;EntityPath=q");
        Assert.Equal("localhost", endpoint.Host);
        Assert.Equal(5679, endpoint.Port);
        Assert.Equal("Root", endpoint.SharedAccessKeyName);
        Assert.Equal("abc=/x+=", endpoint.SharedAccessKey);
        Assert.True(endpoint.UseDevelopmentEmulator);
        Assert.False(endpoint.UseTls);
        Assert.Equal("q", endpoint.EntityPath);
        Assert.Equal("sb://localhost:5679/scoring-jobs", endpoint.Audience("scoring-jobs"));
    }

    [Fact]
    public void Parse_DefaultPorts_FollowTheEmulatorFlag()
    {
        var azure = ServiceBusEndpoint.Parse("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v");
        Assert.Equal(5671, azure.Port);
        Assert.True(azure.UseTls);
        Assert.Equal("sb://ns.servicebus.windows.net/q", azure.Audience("q"));

        var emulator = ServiceBusEndpoint.Parse("Endpoint=sb://localhost;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true");
        Assert.Equal(5672, emulator.Port);
        Assert.False(emulator.UseTls);
    }

    [Theory]
    [InlineData("True")]
    [InlineData("TRUE")]
    [InlineData("1")]
    [InlineData("yes")]
    public void Parse_EmulatorFlag_MustBeExactlyTrue(string value)
    {
        var endpoint = ServiceBusEndpoint.Parse($"Endpoint=sb://localhost;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator={value}");
        Assert.False(endpoint.UseDevelopmentEmulator);
        Assert.Equal(5671, endpoint.Port);
    }

    [Theory]
    [InlineData("SharedAccessKeyName=k;SharedAccessKey=v")]
    [InlineData("Endpoint=sb://localhost;SharedAccessKey=v")]
    [InlineData("Endpoint=sb://localhost;SharedAccessKeyName=k")]
    [InlineData("Endpoint=sb://localhost;garbage;SharedAccessKeyName=k;SharedAccessKey=v")]
    public void Parse_Incomplete_Throws(string connectionString) =>
        Assert.Throws<FormatException>(() => ServiceBusEndpoint.Parse(connectionString));

    [Fact]
    public void ToString_HidesTheKey() =>
        Assert.DoesNotContain("secret", ServiceBusEndpoint.Parse("Endpoint=sb://h/;SharedAccessKeyName=k;SharedAccessKey=secret").ToString());

    [Fact]
    public void SasToken_IsSignedOverTheEncodedAudienceAndExpiry()
    {
        var expires = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var token = SharedAccessSignature.Create("sb://localhost:5672/my queue", "Root Key", "SAS_KEY_VALUE", expires);

        const string sr = "sb%3A%2F%2Flocalhost%3A5672%2Fmy%20queue";
        var sig = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes("SAS_KEY_VALUE"), Encoding.UTF8.GetBytes(sr + "\n1700000000")));
        Assert.Equal($"SharedAccessSignature sr={sr}&sig={Uri.EscapeDataString(sig)}&se=1700000000&skn=Root%20Key", token);
    }

    [Theory]
    [InlineData(typeof(ScoringJob), "scoring-job")]
    [InlineData(typeof(HTMLReport2Job), "html-report2-job")]
    [InlineData(typeof(EndpointTests), "endpoint-tests")]
    public void DefaultQueueName_IsKebabCase(Type type, string expected) => Assert.Equal(expected, FerryJobsOptions.DefaultQueueName(type));

    private sealed record HTMLReport2Job;
}

public class RetryPolicyTests
{
    [Fact]
    public void Delays_GrowExponentially_WithinJitter_UpToTheCap()
    {
        var policy = new RetryPolicy { InitialDelay = TimeSpan.FromSeconds(1), Multiplier = 2, MaxDelay = TimeSpan.FromSeconds(10), Jitter = 0.5 };
        var random = new Random(42);
        for (var i = 0; i < 200; i++)
        {
            var first = policy.GetDelay(1, random);
            Assert.InRange(first, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5));
            var third = policy.GetDelay(3, random);
            Assert.InRange(third, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6));
            Assert.Equal(TimeSpan.FromSeconds(10), policy.GetDelay(9, random));
        }
        Assert.Equal(TimeSpan.FromSeconds(10), policy.GetDelay(int.MaxValue, random));
    }

    [Fact]
    public void NoJitter_IsExact() =>
        Assert.Equal(TimeSpan.FromMilliseconds(800), new RetryPolicy { InitialDelay = TimeSpan.FromMilliseconds(200), Jitter = 0 }.GetDelay(3));

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(4, 0, 4)]
    [InlineData(2, 10, 10)]
    [InlineData(8, 3, 8)]
    public void LinkCredit_IsTheLargerOfConcurrencyAndPrefetch(int concurrency, int prefetch, int credit) =>
        Assert.Equal(credit, new FerryJobsOptions().AddJob<ScoringJob, DelegateHandler<ScoringJob>>(concurrency: concurrency, prefetch: prefetch).Credit);

    [Fact]
    public void Validate_RejectsNonsense()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy { MaxAttempts = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy { Multiplier = 0.5 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy { Jitter = 2 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy { InitialDelay = TimeSpan.FromMinutes(10) }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new FerryJobsOptions().AddJob<ScoringJob, DelegateHandler<ScoringJob>>(concurrency: 0));
    }
}
