using System.Net;
using Ferry.Broker;
using Ferry.Broker.Filters;
using static Ferry.Atom.Tests.AtomServer;

namespace Ferry.Atom.Tests;

/// <summary>Rules through the Atom API, with the bodies exactly as the JS administration client writes them.</summary>
public sealed class RuleTests(AtomServer fixture) : IClassFixture<AtomServer>
{
    private const string Xsi = "xmlns:p4=\"http://www.w3.org/2001/XMLSchema-instance\"";

    private const string SqlRule = $"<Filter {Xsi} p4:type=\"SqlFilter\"><SqlExpression>amount &gt; @min AND region = @region</SqlExpression>"
        + "<Parameters><KeyValueOfstringanyType><Key>@min</Key><Value p4:type=\"l28:double\" xmlns:l28=\"http://www.w3.org/2001/XMLSchema\">100</Value></KeyValueOfstringanyType>"
        + "<KeyValueOfstringanyType><Key>@region</Key><Value p4:type=\"l28:string\" xmlns:l28=\"http://www.w3.org/2001/XMLSchema\">eu</Value></KeyValueOfstringanyType></Parameters></Filter>"
        + $"<Action {Xsi} p4:type=\"SqlRuleAction\"><SqlExpression>SET routed = 'yes'</SqlExpression></Action><Name>big-eu</Name>";

    private const string CorrelationRule = $"<Filter {Xsi} p4:type=\"CorrelationFilter\"><CorrelationId>c-1</CorrelationId><Label>refund</Label>"
        + "<Properties><KeyValueOfstringanyType><Key>source</Key><Value p4:type=\"l28:string\" xmlns:l28=\"http://www.w3.org/2001/XMLSchema\">api</Value></KeyValueOfstringanyType>"
        + "<KeyValueOfstringanyType><Key>priority</Key><Value p4:type=\"l28:double\" xmlns:l28=\"http://www.w3.org/2001/XMLSchema\">5</Value></KeyValueOfstringanyType>"
        + "<KeyValueOfstringanyType><Key>urgent</Key><Value p4:type=\"l28:boolean\" xmlns:l28=\"http://www.w3.org/2001/XMLSchema\">true</Value></KeyValueOfstringanyType></Properties></Filter>"
        + $"<Action {Xsi} p4:type=\"EmptyRuleAction\"/><Name>refunds</Name>";

    /// <summary>Key → (i:type, text) of a Parameters or Properties element.</summary>
    private static Dictionary<string, (string? Type, string Value)> KeyValues(System.Xml.Linq.XElement container) =>
        container.Elements(Xml.ServiceBus + "KeyValueOfstringanyType").ToDictionary(
            p => p.Element(Xml.ServiceBus + "Key")!.Value,
            p => ((string?)p.Element(Xml.ServiceBus + "Value")!.Attribute(Xml.Instance + "type"), p.Element(Xml.ServiceBus + "Value")!.Value));

    private async Task<(string Topic, QueueEntity Subscription)> SubscriptionAsync()
    {
        var topic = UniqueName();
        await fixture.Server.Broker.CreateTopicAsync(topic, new TopicSettings());
        return (topic, await fixture.Server.Broker.CreateSubscriptionAsync(topic, "s", new QueueSettings()));
    }

    [Fact]
    public async Task PutRule_SqlFilterWithParametersAndAction_Returns201AndAddsRule()
    {
        var (topic, subscription) = await SubscriptionAsync();

        var entry = await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/s/Rules/big-eu", Entry("RuleDescription", SqlRule)), HttpStatusCode.Created);

        Assert.EndsWith($"/{topic}/Subscriptions/s/Rules/big-eu?api-version=2021-05", Xml.Id(entry), StringComparison.Ordinal);
        var d = Xml.Description(entry);
        var filter = d.Element(Xml.ServiceBus + "Filter")!;
        Assert.Equal("SqlFilter", (string?)filter.Attribute(Xml.Instance + "type"));
        Assert.Equal("amount > @min AND region = @region", Xml.Field(filter, "SqlExpression"));
        var values = KeyValues(filter.Element(Xml.ServiceBus + "Parameters")!);
        Assert.Equal(("d6p1:double", "100"), values["@min"]);
        Assert.Equal(("d6p1:string", "eu"), values["@region"]);
        var action = d.Element(Xml.ServiceBus + "Action")!;
        Assert.Equal("SqlRuleAction", (string?)action.Attribute(Xml.Instance + "type"));
        Assert.Equal("big-eu", Xml.Field(d, "Name"));

        var rule = subscription.Rules.Single(r => r.Name == "big-eu");
        var sql = Assert.IsType<SqlFilter>(rule.Filter);
        Assert.Equal(100.0, sql.Parameters["@min"]);
        Assert.Equal("eu", sql.Parameters["@region"]);
        Assert.Equal("SET routed = 'yes'", Assert.IsType<SqlRuleAction>(rule.Action).Expression);
    }

    [Fact]
    public async Task PutRule_CorrelationFilterWithProperties_RoundTripsThroughGet()
    {
        var (topic, subscription) = await SubscriptionAsync();
        await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/s/Rules/refunds", Entry("RuleDescription", CorrelationRule)), HttpStatusCode.Created);

        var d = Xml.Description(await XmlAsync(await fixture.GetAsync($"/{topic}/Subscriptions/s/Rules/refunds"), HttpStatusCode.OK));

        var filter = d.Element(Xml.ServiceBus + "Filter")!;
        Assert.Equal("CorrelationFilter", (string?)filter.Attribute(Xml.Instance + "type"));
        Assert.Equal("c-1", Xml.Field(filter, "CorrelationId"));
        Assert.Equal("refund", Xml.Field(filter, "Label"));
        Assert.Null(filter.Element(Xml.ServiceBus + "MessageId"));
        var properties = KeyValues(filter.Element(Xml.ServiceBus + "Properties")!);
        Assert.Equal(("d6p1:string", "api"), properties["source"]);
        Assert.Equal(("d6p1:double", "5"), properties["priority"]);
        Assert.Equal(("d6p1:boolean", "true"), properties["urgent"]);
        Assert.Equal("EmptyRuleAction", (string?)d.Element(Xml.ServiceBus + "Action")!.Attribute(Xml.Instance + "type"));

        var correlation = Assert.IsType<CorrelationFilter>(subscription.Rules.Single(r => r.Name == "refunds").Filter);
        Assert.Equal("refund", correlation.Subject);
        Assert.Equal(5.0, correlation.Properties["priority"]);
    }

    [Fact]
    public async Task GetRule_IntegerProperties_WrittenAsIntWithinInt32AndLongBeyond()
    {
        var (topic, subscription) = await SubscriptionAsync();
        var filter = new CorrelationFilter { Properties = new Dictionary<string, object?> { ["small"] = 7L, ["big"] = 5_000_000_000L, ["none"] = null } };
        await fixture.Server.Broker.AddRuleAsync(subscription, Rule.Create("ints", filter, null, DateTimeOffset.UtcNow));

        var d = Xml.Description(await XmlAsync(await fixture.GetAsync($"/{topic}/Subscriptions/s/Rules/ints"), HttpStatusCode.OK));

        var properties = KeyValues(d.Element(Xml.ServiceBus + "Filter")!.Element(Xml.ServiceBus + "Properties")!);
        Assert.Equal(("d6p1:int", "7"), properties["small"]);
        Assert.Equal(("d6p1:long", "5000000000"), properties["big"]);
        Assert.Equal((null, ""), properties["none"]);
    }

    [Fact]
    public async Task ListRules_ReturnsDefaultAndAddedRulesInOrder_DefaultAsTrueFilter()
    {
        var (topic, _) = await SubscriptionAsync();
        await XmlAsync(await fixture.PutAsync($"/{topic}/Subscriptions/s/Rules/refunds", Entry("RuleDescription", CorrelationRule)), HttpStatusCode.Created);

        var feed = await XmlAsync(await fixture.GetAsync($"/{topic}/Subscriptions/s/Rules/"), HttpStatusCode.OK);

        var entries = Xml.Entries(feed);
        Assert.Equal(["$Default", "refunds"], entries.Select(Xml.Title));
        var defaultFilter = Xml.Description(entries[0]).Element(Xml.ServiceBus + "Filter")!;
        Assert.Equal("TrueFilter", (string?)defaultFilter.Attribute(Xml.Instance + "type"));
        Assert.Equal("1=1", Xml.Field(defaultFilter, "SqlExpression"));
    }

    [Fact]
    public async Task PutRule_Existing_Returns409_IfMatchReplacesIt()
    {
        var (topic, subscription) = await SubscriptionAsync();
        var path = $"/{topic}/Subscriptions/s/Rules/big-eu";
        await XmlAsync(await fixture.PutAsync(path, Entry("RuleDescription", SqlRule)), HttpStatusCode.Created);

        await ErrorAsync(await fixture.PutAsync(path, Entry("RuleDescription", SqlRule)), HttpStatusCode.Conflict, "already exists");
        await XmlAsync(await fixture.PutAsync(path, Entry("RuleDescription",
            $"<Filter {Xsi} p4:type=\"SqlFilter\"><SqlExpression>amount &gt; 5</SqlExpression></Filter>"), update: true), HttpStatusCode.OK);

        var rule = subscription.Rules.Single(r => r.Name == "big-eu");
        Assert.Equal("amount > 5", Assert.IsType<SqlFilter>(rule.Filter).Expression);
        Assert.IsType<EmptyRuleAction>(rule.Action);
    }

    [Fact]
    public async Task DeleteRule_RemovesIt_MissingRuleReturns404()
    {
        var (topic, subscription) = await SubscriptionAsync();

        Assert.Equal(HttpStatusCode.OK, (await fixture.DeleteAsync($"/{topic}/Subscriptions/s/Rules/$Default")).StatusCode);

        Assert.Empty(subscription.Rules);
        await ErrorAsync(await fixture.GetAsync($"/{topic}/Subscriptions/s/Rules/$Default"), HttpStatusCode.NotFound, "'$Default' could not be found");
        await ErrorAsync(await fixture.DeleteAsync($"/{topic}/Subscriptions/s/Rules/$Default"), HttpStatusCode.NotFound, "could not be found");
    }

    [Fact]
    public async Task PutRule_BadSqlExpression_Returns400AndAddsNothing()
    {
        var (topic, subscription) = await SubscriptionAsync();

        await ErrorAsync(await fixture.PutAsync($"/{topic}/Subscriptions/s/Rules/bad", Entry("RuleDescription",
            $"<Filter {Xsi} p4:type=\"SqlFilter\"><SqlExpression>amount &gt;</SqlExpression></Filter>")), HttpStatusCode.BadRequest, "The rule 'bad' is invalid");

        Assert.Equal(["$Default"], subscription.Rules.Select(r => r.Name));
    }

    [Fact]
    public async Task PutRule_UnknownFilterType_Returns400()
    {
        var (topic, _) = await SubscriptionAsync();
        await ErrorAsync(await fixture.PutAsync($"/{topic}/Subscriptions/s/Rules/r", Entry("RuleDescription",
            $"<Filter {Xsi} p4:type=\"XPathFilter\"/>")), HttpStatusCode.BadRequest, "'XPathFilter' is not known");
    }
}
