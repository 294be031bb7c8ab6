using System.Globalization;
using System.Xml.Linq;

namespace Ferry.Server.Atom;

/// <summary>The XML namespaces, content types and formats of the Service Bus Atom management API.</summary>
internal static class AtomNames
{
    public static readonly XNamespace AtomNamespace = "http://www.w3.org/2005/Atom";
    public static readonly XNamespace ServiceBus = "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect";
    public static readonly XNamespace Instance = "http://www.w3.org/2001/XMLSchema-instance";
    public static readonly XNamespace Schema = "http://www.w3.org/2001/XMLSchema";

    /// <summary>The namespace of <c>CountDetails</c>' children (the message counts).</summary>
    public static readonly XNamespace Counts = "http://schemas.microsoft.com/netservices/2011/06/servicebus";

    /// <summary>The api-version Ferry writes into the links it returns; any version is accepted on requests.</summary>
    public const string ApiVersion = "2021-05";

    public const string EntryContentType = "application/atom+xml;type=entry;charset=utf-8";
    public const string FeedContentType = "application/atom+xml;type=feed;charset=utf-8";
    public const string ErrorContentType = "application/xml;charset=utf-8";

    /// <summary>A UTC time as Service Bus writes it: <c>2024-05-01T12:00:00.1234567Z</c>.</summary>
    public static string Date(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static XElement Element(string name, object? content) => new(ServiceBus + name, content);
}
