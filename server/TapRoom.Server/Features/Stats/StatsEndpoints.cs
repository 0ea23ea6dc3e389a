using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Stats;

/// <summary>Figures for the web app's charts. Staff see the taps and kegs; the shift's figures are the manager's, as its report is.</summary>
public static class StatsEndpoints
{
    public static IEndpointRouteBuilder MapStatsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/stats").WithTags("Stats");
        g.MapGet("/shifts/{id:guid}", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetShiftStats.Query(id))))
            .RequireAuthorization(Policies.Manager);
        g.MapGet("/kegs", async (IMediator m) => TypedResults.Ok(await m.Send(new GetKegStats.Query())))
            .RequireAuthorization(Policies.Staff);
        g.MapGet("/taps", async (IMediator m) => TypedResults.Ok(await m.Send(new GetTapStats.Query())))
            .RequireAuthorization(Policies.Staff);
        return app;
    }
}
