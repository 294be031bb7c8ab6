using Ferry.Broker;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Atom;

/// <summary>Puts the Atom management API into the HTTP pipeline.</summary>
internal static class AtomApplicationBuilderExtensions
{
    /// <summary>
    /// Answers every request <see cref="AtomManagementApi.IsAtomRequest"/> recognizes, before any mapped endpoint runs,
    /// and passes every other request on. So an entity may be named like a JSON route (<c>health</c>, <c>api/…</c>): the
    /// administration clients always send <c>api-version</c>, which no JSON route uses.
    /// </summary>
    public static IApplicationBuilder UseFerryAtomApi(this IApplicationBuilder app)
    {
        var services = app.ApplicationServices;
        var api = new AtomManagementApi(
            services.GetRequiredService<FerryBroker>(),
            services.GetRequiredService<FerryServerOptions>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Ferry.Server.Atom"));
        return app.Use(next => context => AtomManagementApi.IsAtomRequest(context.Request) ? api.HandleAsync(context) : next(context));
    }
}
