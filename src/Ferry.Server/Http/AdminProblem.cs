using System.Text.Json.Serialization;
using Ferry.Broker;
using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Http;

/// <summary>An RFC 9457 problem detail, as every admin API error is answered (<c>application/problem+json</c>).</summary>
internal sealed record AdminProblem(int Status, string Title, string Detail)
{
    public string Type => $"https://httpstatuses.io/{Status}";

    /// <summary>The input property, query parameter or setting at fault (400).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Property { get; init; }

    /// <summary>What that property allows (400).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Allowed { get; init; }

    /// <summary>The entity concerned (404, 409).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Entity { get; init; }

    public IResult ToResult() => Results.Json(this, AdminJson.Options, "application/problem+json", Status);

    public static IResult QueueNotFound(string name) =>
        new AdminProblem(StatusCodes.Status404NotFound, "Entity not found", $"The queue '{name}' does not exist.") { Entity = name }.ToResult();

    public static IResult BadInput(AdminInputException ex) =>
        new AdminProblem(StatusCodes.Status400BadRequest, "Invalid request", ex.Message) { Property = ex.Property, Allowed = ex.Allowed }.ToResult();

    public static IResult Unauthorized(string detail) =>
        new AdminProblem(StatusCodes.Status401Unauthorized, "Unauthorized", detail).ToResult();

    /// <summary>Maps a broker error to its HTTP status; the broker's message is the detail (it never holds a stack trace).</summary>
    public static IResult FromBroker(BrokerException ex, string? entity)
    {
        var (status, title) = ex.Code switch
        {
            BrokerErrorCode.EntityNotFound => (StatusCodes.Status404NotFound, "Entity not found"),
            BrokerErrorCode.EntityAlreadyExists => (StatusCodes.Status409Conflict, "Entity already exists"),
            BrokerErrorCode.EntityDisabled => (StatusCodes.Status409Conflict, "Entity disabled"),
            BrokerErrorCode.QuotaExceeded => (StatusCodes.Status409Conflict, "Quota exceeded"),
            BrokerErrorCode.MessageSizeExceeded => (StatusCodes.Status413PayloadTooLarge, "Message too large"),
            BrokerErrorCode.InvalidArgument => (StatusCodes.Status400BadRequest, "Invalid request"),
            BrokerErrorCode.ShuttingDown => (StatusCodes.Status503ServiceUnavailable, "Shutting down"),
            _ => (StatusCodes.Status409Conflict, "Operation not allowed"),
        };
        return new AdminProblem(status, title, ex.Message) { Entity = entity }.ToResult();
    }
}
