using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Dashboard;

public static class DashboardEndpoints
{
    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/sync").WithTags("Sync").RequireAuthorization(Policies.Staff)
            .MapGet("/pending", async (Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new PendingSync.Query(locationId))));
        app.MapGroup("/api/pours").WithTags("Pours").RequireAuthorization(Policies.Staff)
            .MapGet("/recent", async (IMediator m, int? take, Guid? locationId) => TypedResults.Ok(await m.Send(new RecentPours.Query(take ?? 20, locationId))));
        app.MapHub<Hubs.DashboardHub>(HubRoutes.Dashboard);
        return app;
    }
}
