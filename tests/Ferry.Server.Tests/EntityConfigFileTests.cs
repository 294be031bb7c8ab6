using Ferry.Broker;
using Ferry.Server.Configuration;

namespace Ferry.Server.Tests;

public sealed class EntityConfigFileTests
{
    private const string File = "config.json";

    /// <summary>The Microsoft emulator's sample shape, with every queue property set.</summary>
    private const string Valid = """
        {
          "UserConfig": {
            "Namespaces": [
              {
                "Name": "sbemulatorns",
                "Queues": [
                  {
                    "Name": "scoring-jobs",
                    "Properties": {
                      "DeadLetteringOnMessageExpiration": true,
                      "DefaultMessageTimeToLive": "PT1H",
                      "DuplicateDetectionHistoryTimeWindow": "PT20S",
                      "ForwardDeadLetteredMessagesTo": "",
                      "ForwardTo": "",
                      "LockDuration": "PT5M",
                      "MaxDeliveryCount": 3,
                      "RequiresDuplicateDetection": true,
                      "RequiresSession": false,
                      "MaxSizeInMegabytes": 2048,
                      "MaxMessageSizeInKilobytes": 1024,
                      "Status": "Active",
                      "UserMetadata": "scores assessments",
                      "EnablePartitioning": false,
                      "EnableBatchedOperations": true,
                      "AutoDeleteOnIdle": "P10675199DT2H48M5.4775807S"
                    }
                  },
                  { "Name": "report-jobs", "Properties": { "LockDuration": "00:00:30", "ForwardTo": "archive" } }
                ],
                "Topics": [
                  { "Name": "events", "Properties": { "DefaultMessageTimeToLive": "PT1H" }, "Subscriptions": [ { "Name": "all" } ] }
                ]
              }
            ],
            "Logging": { "Type": "File" }
          }
        }
        """;

    private static ConfigFileException Bad(string text) => Assert.Throws<ConfigFileException>(() => EntityConfigFile.Parse(text, File));

    /// <summary>A file with two queues; the second has one property set to <paramref name="json"/>.</summary>
    private static string WithProperty(string name, string json) => $$$"""
        {"UserConfig":{"Namespaces":[{"Name":"ns","Queues":[
          {"Name":"first"},
          {"Name":"second","Properties":{"{{{name}}}": {{{json}}}}}
        ]}]}}
        """;

    [Fact]
    public void Parse_EmulatorFileWithAllQueueProperties_ReadsEverySetting()
    {
        var config = EntityConfigFile.Parse(Valid, File);
        Assert.Equal("sbemulatorns", config.NamespaceName);
        Assert.Equal(["scoring-jobs", "report-jobs"], config.Queues.Select(q => q.Name));
        var s = config.Queues[0].Settings;
        Assert.True(s.DeadLetteringOnMessageExpiration);
        Assert.Equal(TimeSpan.FromHours(1), s.DefaultMessageTimeToLive);
        Assert.Equal(TimeSpan.FromSeconds(20), s.DuplicateDetectionHistoryTimeWindow);
        Assert.Null(s.ForwardDeadLetteredMessagesTo);
        Assert.Null(s.ForwardTo);
        Assert.Equal(TimeSpan.FromMinutes(5), s.LockDuration);
        Assert.Equal(3, s.MaxDeliveryCount);
        Assert.True(s.RequiresDuplicateDetection);
        Assert.False(s.RequiresSession);
        Assert.Equal(2048, s.MaxSizeInMegabytes);
        Assert.Equal(1024, s.MaxMessageSizeInKilobytes);
        Assert.Equal(EntityStatus.Active, s.Status);
        Assert.Equal("scores assessments", s.UserMetadata);
        var report = config.Queues[1].Settings;
        Assert.Equal(TimeSpan.FromSeconds(30), report.LockDuration);
        Assert.Equal("archive", report.ForwardTo);
        Assert.Equal(new QueueSettings().MaxDeliveryCount, report.MaxDeliveryCount);
    }

    [Fact]
    public void Parse_Topics_WithSettingsAndSubscriptions()
    {
        var config = EntityConfigFile.Parse(Valid, File);
        var topic = Assert.Single(config.Topics);
        Assert.Equal("events", topic.Name);
        Assert.Equal(TimeSpan.FromHours(1), topic.Settings.DefaultMessageTimeToLive);
        var subscription = Assert.Single(topic.Subscriptions);
        Assert.Equal("all", subscription.Name);
        Assert.Empty(subscription.Rules);
    }

    [Fact]
    public void Parse_SubscriptionRules_EmulatorShapeForSqlAndCorrelation()
    {
        var config = EntityConfigFile.Parse("""
            {"UserConfig":{"Namespaces":[{"Name":"ns","Topics":[{"Name":"t","Subscriptions":[{"Name":"s",
              "Properties":{"MaxDeliveryCount":4,"DeadLetteringOnFilterEvaluationExceptions":false},
              "Rules":[
                {"Name":"sql","Properties":{"FilterType":"Sql","SqlFilter":{"SqlExpression":"amount > 10"},"Action":{"SqlExpression":"SET tagged = 1"}}},
                {"Name":"corr","Properties":{"FilterType":"Correlation","CorrelationFilter":{"Label":"refund","Properties":{"region":"eu","n":2}}}}]}]}]}]}}
            """, File);

        var subscription = config.Topics[0].Subscriptions[0];
        Assert.Equal(4, subscription.Settings.MaxDeliveryCount);
        Assert.False(subscription.Settings.DeadLetteringOnFilterEvaluationExceptions);
        var sql = Assert.IsType<Ferry.Broker.Filters.SqlFilter>(subscription.Rules[0].Filter);
        Assert.Equal("amount > 10", sql.Expression);
        Assert.IsType<Ferry.Broker.Filters.SqlRuleAction>(subscription.Rules[0].Action);
        var correlation = Assert.IsType<Ferry.Broker.Filters.CorrelationFilter>(subscription.Rules[1].Filter);
        Assert.Equal("refund", correlation.Subject);
        Assert.Equal(2L, correlation.Properties["n"]);
    }

    [Fact]
    public void Parse_BadSqlRule_NamesRulePathAndPosition()
    {
        var error = Bad("""{"UserConfig":{"Namespaces":[{"Name":"ns","Topics":[{"Name":"t","Subscriptions":[{"Name":"s","Rules":[{"Name":"r","Properties":{"FilterType":"Sql","SqlFilter":{"SqlExpression":"amount >"}}}]}]}]}]}}""");
        Assert.Contains("$.UserConfig.Namespaces[0].Topics[0].Subscriptions[0].Rules[0].Properties", error.Message);
        Assert.Contains("position", error.Message);
    }

    [Theory]
    [InlineData("LockDuration", "\"PT1S\"", "00:00:05 to 00:05:00")]
    [InlineData("LockDuration", "\"PT10M\"", "00:00:05 to 00:05:00")]
    [InlineData("MaxDeliveryCount", "0", "1 to")]
    [InlineData("DuplicateDetectionHistoryTimeWindow", "\"PT1S\"", "00:00:20 to 7.00:00:00")]
    [InlineData("MaxSizeInMegabytes", "0", "1 to 81920")]
    [InlineData("MaxMessageSizeInKilobytes", "204800", "1 to 102400")]
    [InlineData("DefaultMessageTimeToLive", "\"-PT1M\"", "positive")]
    public void Parse_ValueOutOfRange_ErrorNamesFilePathValueAndRange(string property, string json, string range)
    {
        var error = Bad(WithProperty(property, json));
        Assert.StartsWith("config.json: ", error.Message);
        Assert.Contains($"$.UserConfig.Namespaces[0].Queues[1].Properties.{property}", error.Message);
        Assert.Contains(range, error.Message);
        Assert.Contains(property, error.Message);
    }

    [Fact]
    public void Parse_LockDurationOutOfRange_ErrorShowsTheValue()
    {
        var error = Bad(WithProperty("LockDuration", "\"PT1S\""));
        Assert.Contains("00:00:01", error.Message);
    }

    [Theory]
    [InlineData("LockDuration", "\"one minute\"", "\"one minute\"", "ISO 8601")]
    [InlineData("LockDuration", "\"P1X\"", "\"P1X\"", "ISO 8601")]
    [InlineData("LockDuration", "60", "60", "expected a string")]
    [InlineData("MaxDeliveryCount", "\"3\"", "\"3\"", "whole number")]
    [InlineData("MaxDeliveryCount", "2.5", "2.5", "whole number")]
    [InlineData("MaxDeliveryCount", "99999999999", "99999999999", "whole number")]
    [InlineData("RequiresSession", "\"yes\"", "\"yes\"", "true or false")]
    [InlineData("Status", "\"Paused\"", "\"Paused\"", "Active, Disabled, SendDisabled, ReceiveDisabled")]
    [InlineData("Status", "\"1\"", "\"1\"", "Active, Disabled")]
    [InlineData("UserMetadata", "null", "null", "expected a string")]
    public void Parse_ValueOfWrongType_ErrorNamesFilePathValueAndAllowedType(string property, string json, string shown, string allowed)
    {
        var error = Bad(WithProperty(property, json));
        Assert.StartsWith("config.json: ", error.Message);
        Assert.Contains($"$.UserConfig.Namespaces[0].Queues[1].Properties.{property}", error.Message);
        Assert.Contains(shown, error.Message);
        Assert.Contains(allowed, error.Message);
    }

    [Fact]
    public void Parse_UnknownQueueProperty_ErrorListsAllowedProperties()
    {
        var error = Bad(WithProperty("LockDurationn", "\"PT1M\""));
        Assert.Contains("$.UserConfig.Namespaces[0].Queues[1].Properties.LockDurationn", error.Message);
        Assert.Contains("unknown queue property \"LockDurationn\"", error.Message);
        Assert.Contains("LockDuration", error.Message.Split("allowed:")[1]);
    }

    [Fact]
    public void Parse_DuplicateQueueNamesDifferingInCase_ErrorNamesSecond()
    {
        var error = Bad("""{"UserConfig":{"Namespaces":[{"Name":"ns","Queues":[{"Name":"jobs"},{"Name":"JOBS"}]}]}}""");
        Assert.Contains("$.UserConfig.Namespaces[0].Queues[1].Name", error.Message);
        Assert.Contains("\"JOBS\" is declared twice", error.Message);
    }

    [Fact]
    public void Parse_TopicNamedLikeQueue_ErrorNamesTopic()
    {
        var error = Bad("""{"UserConfig":{"Namespaces":[{"Name":"ns","Queues":[{"Name":"jobs"}],"Topics":[{"Name":"jobs"}]}]}}""");
        Assert.Contains("$.UserConfig.Namespaces[0].Topics[0].Name", error.Message);
        Assert.Contains("declared twice", error.Message);
    }

    [Theory]
    [InlineData("""{"UserConfig":{"Namespaces":[{"Queues":[{"Properties":{}}]}]}}""", "$.UserConfig.Namespaces[0].Queues[0].Name", "missing")]
    [InlineData("""{"UserConfig":{"Namespaces":[{"Queues":[{"Name":"bad name!"}]}]}}""", "$.UserConfig.Namespaces[0].Queues[0].Name", "\"bad name!\"")]
    [InlineData("""{"UserConfig":{"Namespaces":[{"Queues":{}}]}}""", "$.UserConfig.Namespaces[0].Queues", "expected an array")]
    [InlineData("""{"UserConfig":{"Namespaces":[{},{}]}}""", "$.UserConfig.Namespaces", "allowed: 1")]
    [InlineData("""{"Namespaces":[]}""", "$.UserConfig", "missing")]
    [InlineData("""[1,2]""", "$", "expected an object")]
    public void Parse_BadStructure_ErrorNamesPath(string text, string path, string problem)
    {
        var error = Bad(text);
        Assert.StartsWith("config.json: ", error.Message);
        Assert.Contains(path, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Parse_NotJson_ErrorNamesFileAndLine()
    {
        var error = Bad("{\n  \"UserConfig\": {\n    \"Namespaces\": [ oops ]\n  }\n}");
        Assert.StartsWith("config.json: not valid JSON at line 3", error.Message);
    }

    [Fact]
    public void Load_MissingFile_ErrorNamesFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ferry-missing-{Guid.NewGuid():N}.json");
        var error = Assert.Throws<ConfigFileException>(() => EntityConfigFile.Load(path));
        Assert.StartsWith(path + ": cannot read", error.Message);
    }
}
