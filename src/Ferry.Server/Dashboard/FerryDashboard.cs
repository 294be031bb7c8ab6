using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Ferry.Server.Dashboard;

/// <summary>
/// The browser dashboard (docs/dashboard.md): static HTML, CSS and ES modules embedded in this assembly, served at
/// <c>/</c> (the page) and <c>/dashboard/{file}</c> (its assets). It talks only to the JSON admin API.
/// </summary>
/// <remarks>
/// Assets are loaded once at start, each with a strong ETag (SHA-256 of its bytes) and a gzip copy. Every response
/// is <c>Cache-Control: no-cache</c>: the browser keeps the file but asks again, and gets 304 while the ETag is the same,
/// so a new server version is picked up at the next load without hashed file names or a build step.
/// </remarks>
internal static class FerryDashboard
{
    private const string ResourcePrefix = "Ferry.Dashboard.";

    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(Load);

    /// <summary>Maps <c>GET /</c>, <c>GET /dashboard</c> (a redirect) and <c>GET /dashboard/{file}</c>.</summary>
    public static IEndpointRouteBuilder MapFerryDashboard(this IEndpointRouteBuilder endpoints)
    {
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        endpoints.MapMethods("/", methods, (HttpContext context) => Serve(context, "index.html"));
        endpoints.MapMethods("/dashboard", methods, () => Results.Redirect("/", permanent: false));
        endpoints.MapMethods("/dashboard/{file}", methods, (HttpContext context, string file) => Serve(context, file));
        endpoints.MapFerryDashboardApi();
        return endpoints;
    }

    private static IResult Serve(HttpContext context, string file)
    {
        if (!Assets.Value.TryGetValue(file, out var asset))
            return Results.NotFound();
        var response = context.Response;
        var headers = response.Headers;
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        headers.XContentTypeOptions = "nosniff";
        headers.Vary = HeaderNames.AcceptEncoding;
        if (asset.ContentType.StartsWith("text/html", StringComparison.Ordinal))
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
        }
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && (ifNoneMatch == "*" || ifNoneMatch.Split(',').Any(tag => tag.Trim() == asset.ETag)))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        if (AcceptsGzip(context.Request))
        {
            headers.ContentEncoding = "gzip";
            return Results.Bytes(asset.Gzip, asset.ContentType);
        }
        return Results.Bytes(asset.Bytes, asset.ContentType);
    }

    private static bool AcceptsGzip(HttpRequest request)
    {
        foreach (var value in request.Headers.AcceptEncoding)
        {
            if (value is null)
                continue;
            foreach (var part in value.Split(','))
            {
                var coding = part.Split(';');
                if (coding[0].Trim().Equals("gzip", StringComparison.OrdinalIgnoreCase)
                    && !(coding.Length > 1 && coding[1].Replace(" ", "", StringComparison.Ordinal) is "q=0" or "q=0.0" or "q=0.00" or "q=0.000"))
                    return true;
            }
        }
        return false;
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(FerryDashboard).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
                continue;
            var name = resource[ResourcePrefix.Length..];
            assets[name] = Asset.Of(name, Read(assembly, resource));
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded dashboard asset '{resource}' is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name).ToUpperInvariant() switch
    {
        ".HTML" => "text/html; charset=utf-8",
        ".CSS" => "text/css; charset=utf-8",
        ".JS" or ".MJS" => "text/javascript; charset=utf-8",
        ".JSON" => "application/json; charset=utf-8",
        ".SVG" => "image/svg+xml",
        ".PNG" => "image/png",
        ".ICO" => "image/x-icon",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Bytes, byte[] Gzip, string ContentType, string ETag)
    {
        public static Asset Of(string name, byte[] bytes)
        {
            using var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
                gzip.Write(bytes);
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"";
            return new Asset(bytes, compressed.ToArray(), ContentTypeOf(name), etag);
        }
    }
}
