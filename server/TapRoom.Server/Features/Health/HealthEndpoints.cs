using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;

namespace TapRoom.Server.Features.Health;

public static class HealthEndpoints
{
    public sealed record Health(string Status, string Database, DateTime ServerTime);

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (TapRoomDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            try
            {
                await db.Database.ExecuteSqlRawAsync("SELECT 1", ct);
                var ok = await db.Locations.AnyAsync(ct);
                return ok
                    ? Results.Ok(new Health("healthy", "ok", now))
                    : Results.Json(new Health("unhealthy", "not_initialized", now), statusCode: 503);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return Results.Json(new Health("unhealthy", "unreachable", now), statusCode: 503);
            }
        }).WithTags("Health").AllowAnonymous();
        return app;
    }
}
