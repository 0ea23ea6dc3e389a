using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Stats;

/// <summary>
/// Figures for the web app's charts, of one venue (<c>?locationId=</c>, else the user's first; VenueScopeMiddleware holds it). Staff see the taps and kegs; the shift's figures are the manager's, as its report is.
/// </summary>
public static class StatsEndpoints
{
    public static IEndpointRouteBuilder MapStatsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/stats").WithTags("Stats");
        g.MapGet("/shifts/{id:guid}", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetShiftStats.Query(id))))
            .WithVenueOf(VenueKind.Shift)
            .RequireAuthorization(Policies.Manager);
        g.MapGet("/kegs", async (Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new GetKegStats.Query())))
            .RequireAuthorization(Policies.Staff);
        g.MapGet("/taps", async (Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new GetTapStats.Query())))
            .RequireAuthorization(Policies.Staff);
        return app;
    }
}
