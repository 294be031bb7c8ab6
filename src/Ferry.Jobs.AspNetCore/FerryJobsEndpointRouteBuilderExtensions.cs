using Ferry.Jobs;
using Ferry.Jobs.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

public static class FerryJobsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the HTTP job API under <paramref name="prefix"/> (default: the root): <c>POST /jobs/{type}</c>,
    /// <c>POST /jobs/{type}/batch</c>, <c>GET /jobs/{id}</c>, <c>GET /jobs</c>, <c>POST /jobs/{id}/retry</c>,
    /// <c>POST /jobs/{id}/cancel</c>, <c>GET /queues</c>, <c>POST /queues/{name}/dead-letters/replay</c> and
    /// <c>GET /health</c>. Needs <c>AddFerryJobs</c>; the status routes need a store (<c>UseSqliteStore</c>,
    /// <c>UsePostgresStore</c>) and answer 501 without one. Add <c>services.AddOpenApi()</c> and <c>app.MapOpenApi()</c>
    /// for the OpenAPI document. No authorization is added: put the group behind your own policy
    /// (<c>.RequireAuthorization(…)</c> on the returned builder).
    /// </summary>
    public static RouteGroupBuilder MapFerryJobs(this IEndpointRouteBuilder endpoints, string prefix = "", Action<FerryJobsApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = new FerryJobsApiOptions();
        configure?.Invoke(options);
        var api = ActivatorUtilities.CreateInstance<JobsApi>(endpoints.ServiceProvider, options);

        var group = endpoints.MapGroup(prefix).WithTags("Ferry.Jobs");
        group.MapPost("/jobs/{type}", api.SubmitAsync).WithName("SubmitJob").WithSummary("Submit one job; the body is its payload.")
            .Accepts<object>("application/json").Produces(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/jobs/{type}/batch", api.SubmitBatchAsync).WithName("SubmitJobs").WithSummary("Submit many jobs; the body is an array of payloads.")
            .Accepts<object[]>("application/json").Produces(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/jobs/{id}", api.GetJobAsync).WithName("GetJob").WithSummary("A job's state, attempts, times, result, error, stages and progress.")
            .Produces(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/jobs", api.ListJobsAsync).WithName("ListJobs").WithSummary("Jobs newest first, by type and state, paged.")
            .Produces(StatusCodes.Status200OK).ProducesValidationProblem();
        group.MapPost("/jobs/{id}/retry", api.RetryAsync).WithName("RetryJob").WithSummary("Send a finished job again, attempts starting at 1.")
            .Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/jobs/{id}/cancel", api.CancelAsync).WithName("CancelJob").WithSummary("Cancel a job that has not finished.")
            .Produces(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/queues", api.QueuesAsync).WithName("QueueStatus").WithSummary("Active, dead-letter and scheduled counts per job queue.")
            .Produces(StatusCodes.Status200OK);
        group.MapPost("/queues/{name}/dead-letters/replay", api.ReplayAsync).WithName("ReplayDeadLetters")
            .WithSummary("Move dead-lettered jobs back to their queue with a fresh attempt count.")
            .Produces(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/health", api.HealthAsync).WithName("Health").WithSummary("Broker connection and store health.")
            .Produces(StatusCodes.Status200OK).Produces(StatusCodes.Status503ServiceUnavailable);
        return group;
    }
}
