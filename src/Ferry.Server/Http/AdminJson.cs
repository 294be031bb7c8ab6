using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Http;

/// <summary>The admin API's JSON conventions: camelCase member names, enums as strings, UTF-8.</summary>
internal static class AdminJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static IResult Ok<T>(T value, int statusCode = StatusCodes.Status200OK) => Results.Json(value, Options, statusCode: statusCode);

    /// <summary>Parses a request body as one JSON document; an empty body is a 400 naming what was expected.</summary>
    /// <exception cref="AdminInputException">The body is empty or not JSON.</exception>
    public static async Task<JsonDocument> ReadBodyAsync(HttpRequest request, string expected)
    {
        try
        {
            return await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {ex.BytePositionInLine + 1}" : string.Empty;
            throw new AdminInputException("body", $"The request body is not valid JSON{where}; expected {expected}.");
        }
    }
}
