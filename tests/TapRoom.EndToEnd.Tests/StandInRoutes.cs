using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Features;

namespace TapRoom.EndToEnd.Tests;

/// <summary>
/// The dashboard reads taps and visits over REST; those routes are built by other capabilities. Until the server has
/// them, this stands in for exactly those reads (GET /api/taps, GET /api/visits?status=active, GET /api/visits/{id}),
/// signed-in only and through the very same <see cref="ReadModels"/> projections. Each stand-in switches itself off as
/// soon as the server maps the real route, so after the merge these tests run against the real routes.
/// </summary>
public sealed class StandInRoutes : IStartupFilter
{
    private static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (http, nextMiddleware) =>
        {
            if (!HttpMethods.IsGet(http.Request.Method) || !http.Request.Path.StartsWithSegments("/api", out var rest))
            {
                await nextMiddleware();
                return;
            }
            var segments = rest.Value!.Trim('/').Split('/');
            Func<TapRoomDbContext, Task<object?>>? read = segments switch
            {
                ["taps"] when !Mapped(http, "/api/taps") => async db => await ReadModels.TapsAsync(db),
                ["visits"] when !Mapped(http, "/api/visits") => async db =>
                    await ReadModels.VisitsAsync(db, db.Visits.Where(v => v.Status == VisitStatus.Active)),
                ["visits", var id] when Guid.TryParse(id, out var visitId) && !Mapped(http, "/api/visits/{id}") => async db =>
                    (await ReadModels.VisitsAsync(db, [visitId])).SingleOrDefault(),
                _ => null,
            };
            if (read is null)
            {
                await nextMiddleware();
                return;
            }
            var auth = await http.AuthenticateAsync();
            if (!auth.Succeeded)
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            var result = await read(http.RequestServices.GetRequiredService<TapRoomDbContext>());
            if (result is null)
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await http.Response.WriteAsJsonAsync(result, result.GetType(), Json);
        });
        next(app);
    };

    private static bool Mapped(HttpContext http, string pattern) =>
        http.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Any(e =>
            string.Equals(e.RoutePattern.RawText?.TrimEnd('/'), pattern, StringComparison.OrdinalIgnoreCase)
            && (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains(HttpMethods.Get) ?? false));
}
