using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using static Ferry.Server.Atom.AtomNames;

namespace Ferry.Server.Atom;

/// <summary>
/// The Atom envelopes: an <c>entry</c> for one resource, a <c>feed</c> of entries for a list, and the
/// <c>&lt;Error&gt;</c> body. The administration clients read a resource's name from the path of the entry's
/// <c>id</c>, so the id is the resource's full URL.
/// </summary>
/// <remarks>
/// <code>
/// &lt;entry xmlns="http://www.w3.org/2005/Atom"&gt;
///   &lt;id&gt;https://host:port/{path}?api-version=2021-05&lt;/id&gt;  &lt;title type="text"&gt;{name}&lt;/title&gt;
///   &lt;published/&gt; &lt;updated/&gt; &lt;author&gt;&lt;name/&gt;&lt;/author&gt; &lt;link rel="self" href="{id}"/&gt;
///   &lt;content type="application/xml"&gt;&lt;QueueDescription xmlns="…/servicebus/connect" xmlns:i="…XMLSchema-instance"&gt;…
/// &lt;/entry&gt;
/// &lt;feed xmlns="http://www.w3.org/2005/Atom"&gt; &lt;title/&gt; &lt;id/&gt; &lt;updated/&gt; &lt;link rel="self"/&gt;
///   [&lt;link rel="next" href="…?$skip=N&amp;$top=M&amp;api-version=…"/&gt;]  &lt;entry&gt;…&lt;/entry&gt;*  &lt;/feed&gt;
/// </code>
/// </remarks>
internal static class AtomWriter
{
    private static readonly XmlWriterSettings Settings = new() { Encoding = new UTF8Encoding(false), Indent = false };

    public static XElement Entry(string id, string title, string author, DateTimeOffset published, DateTimeOffset updated, XElement description) =>
        new(AtomNamespace + "entry",
            new XElement(AtomNamespace + "id", id),
            new XElement(AtomNamespace + "title", new XAttribute("type", "text"), title),
            new XElement(AtomNamespace + "published", Date(published)),
            new XElement(AtomNamespace + "updated", Date(updated)),
            new XElement(AtomNamespace + "author", new XElement(AtomNamespace + "name", author)),
            new XElement(AtomNamespace + "link", new XAttribute("rel", "self"), new XAttribute("href", id)),
            new XElement(AtomNamespace + "content", new XAttribute("type", "application/xml"), description));

    public static XElement Feed(string id, string title, DateTimeOffset updated, string? nextHref, IEnumerable<XElement> entries)
    {
        var feed = new XElement(AtomNamespace + "feed",
            new XElement(AtomNamespace + "title", new XAttribute("type", "text"), title),
            new XElement(AtomNamespace + "id", id),
            new XElement(AtomNamespace + "updated", Date(updated)),
            new XElement(AtomNamespace + "link", new XAttribute("rel", "self"), new XAttribute("href", id)));
        if (nextHref is not null)
            feed.Add(new XElement(AtomNamespace + "link", new XAttribute("rel", "next"), new XAttribute("href", nextHref)));
        feed.Add(entries);
        return feed;
    }

    public static XElement Error(int status, string detail) =>
        new("Error", new XElement("Code", status), new XElement("Detail", detail));

    /// <summary>Serializes <paramref name="root"/> whole, then writes it with its length; nothing is sent on a failure.</summary>
    public static async Task WriteAsync(HttpResponse response, int status, string contentType, XElement root)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, Settings))
            root.Save(writer);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), response.HttpContext.RequestAborted).ConfigureAwait(false);
    }
}
