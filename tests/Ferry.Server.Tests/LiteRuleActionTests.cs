using Amqp;
using Amqp.Framing;
using Ferry.Broker;
using Ferry.Broker.Filters;

namespace Ferry.Server.Tests;

/// <summary>
/// What an AMQPNetLite receiver (and a <c>$management</c> peek) sees of a subscription's copies after SQL rule actions:
/// removed application properties absent, <c>SET sys.X</c> written into the properties section and header, one copy per
/// matching rule with an action carrying <c>RuleName</c>, and one copy for the rules without one.
/// </summary>
public sealed class LiteRuleActionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Timeout = ServerFixture.Timeout;

    private static Message Original() => new("body")
    {
        Properties = new Properties
        {
            MessageId = "m1", Subject = "original", To = "orig-to", CorrelationId = "c1", ContentType = "text/plain", ReplyTo = "orig-reply",
        },
        ApplicationProperties = new ApplicationProperties { ["secret"] = "s3", ["keep"] = 7 },
    };

    private async Task<string> TopicAsync(string name, params Rule[] rules)
    {
        await fixture.Server.Broker.CreateTopicAsync(name, new TopicSettings());
        await fixture.Server.Broker.CreateSubscriptionAsync(name, "s", new QueueSettings(), rules);
        return name;
    }

    private static Rule Act(DateTimeOffset now) => Rule.Create("act", TrueFilter.Instance, new SqlRuleAction(
        "REMOVE secret; SET sys.Label = 'relabelled'; SET sys.To = 'new-to'; SET sys.CorrelationId = 'corr-2'; "
        + "SET sys.ContentType = 'application/json'; SET sys.ReplyTo = NULL; SET sys.TimeToLive = @ttl; SET added = 'yes'",
        new Dictionary<string, object?> { ["@ttl"] = TimeSpan.FromMinutes(5) }), now);

    private static void AssertActed(Message message)
    {
        Assert.Equal("body", message.Body);
        Assert.False(message.ApplicationProperties.Map.ContainsKey("secret"));
        Assert.Equal(7, message.ApplicationProperties["keep"]);
        Assert.Equal("yes", message.ApplicationProperties["added"]);
        Assert.Equal("act", message.ApplicationProperties["RuleName"]);
        Assert.Equal("m1", message.Properties.MessageId);
        Assert.Equal("relabelled", message.Properties.Subject);
        Assert.Equal("new-to", message.Properties.To);
        Assert.Equal("corr-2", message.Properties.CorrelationId);
        Assert.Equal("application/json", message.Properties.ContentType.ToString());
        Assert.Null(message.Properties.ReplyTo);
        Assert.Equal(300_000u, message.Header.Ttl);
    }

    private static void AssertUntouched(Message message)
    {
        Assert.Equal("s3", message.ApplicationProperties["secret"]);
        Assert.False(message.ApplicationProperties.Map.ContainsKey("RuleName"));
        Assert.Equal("original", message.Properties.Subject);
        Assert.Equal("orig-to", message.Properties.To);
        Assert.Equal("c1", message.Properties.CorrelationId);
        Assert.Equal("text/plain", message.Properties.ContentType.ToString());
        Assert.Equal("orig-reply", message.Properties.ReplyTo);
    }

    [Fact]
    public async Task Receive_PlainRuleAndActionRule_TwoCopies_ActionCopyRewritten()
    {
        var now = fixture.Server.Broker.TimeProvider.GetUtcNow();
        var topic = await TopicAsync("rules-receive", Rule.Create("plain", TrueFilter.Instance, null, now), Act(now));
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        await new SenderLink(session, "sender", topic).SendAsync(Original());

        var receiver = new ReceiverLink(session, "receiver", $"{topic}/Subscriptions/s");
        receiver.SetCredit(10, CreditMode.Manual);
        var first = await receiver.ReceiveAsync(Timeout);
        var second = await receiver.ReceiveAsync(Timeout);

        Assert.NotNull(first);
        Assert.NotNull(second);
        AssertUntouched(first);
        AssertActed(second);
        receiver.Accept(first);
        receiver.Accept(second);
        await connection.CloseAsync();
    }

    [Fact]
    public async Task Peek_ActionCopy_ShowsTheSameRewrittenMessage()
    {
        var now = fixture.Server.Broker.TimeProvider.GetUtcNow();
        var topic = await TopicAsync("rules-peek", Act(now));
        var connection = await fixture.ConnectAsync();
        var session = new Session(connection);
        await new SenderLink(session, "sender", topic).SendAsync(Original());

        var (status, messages) = await new LiteNodeClient(session, $"{topic}/Subscriptions/s/$management").PeekAsync(1, 10);

        Assert.Equal(200, status);
        AssertActed(Assert.Single(messages));
        await connection.CloseAsync();
    }
}
