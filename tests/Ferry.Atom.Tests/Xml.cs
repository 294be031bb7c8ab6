using System.Globalization;
using System.Xml.Linq;

namespace Ferry.Atom.Tests;

/// <summary>Reading Atom responses: the description inside an entry, its fields, the entries of a feed.</summary>
internal static class Xml
{
    public static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    public static readonly XNamespace ServiceBus = "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect";
    public static readonly XNamespace Counts = "http://schemas.microsoft.com/netservices/2011/06/servicebus";
    public static readonly XNamespace Instance = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>The description element of an entry (QueueDescription, RuleDescription, …).</summary>
    public static XElement Description(XElement entry)
    {
        Assert.Equal(Atom + "entry", entry.Name);
        return entry.Element(Atom + "content")!.Elements().Single();
    }

    public static string Field(XElement description, string name) =>
        description.Element(ServiceBus + name)?.Value ?? throw new Xunit.Sdk.XunitException($"{description.Name.LocalName} has no {name}: {description}");

    public static long Count(XElement description, string name) =>
        long.Parse(description.Element(ServiceBus + "CountDetails")!.Element(Counts + name)!.Value, CultureInfo.InvariantCulture);

    public static IReadOnlyList<XElement> Entries(XElement feed)
    {
        Assert.Equal(Atom + "feed", feed.Name);
        return [.. feed.Elements(Atom + "entry")];
    }

    public static string Title(XElement entry) => entry.Element(Atom + "title")!.Value;

    public static string Id(XElement entry) => entry.Element(Atom + "id")!.Value;

    public static string? NextLink(XElement feed) =>
        feed.Elements(Atom + "link").FirstOrDefault(l => (string?)l.Attribute("rel") == "next")?.Attribute("href")?.Value;
}
