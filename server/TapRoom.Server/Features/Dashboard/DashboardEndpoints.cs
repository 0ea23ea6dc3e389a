using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Dashboard;

public static class DashboardEndpoints
{
    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/sync").WithTags("Sync").RequireAuthorization(Policies.Staff)
            .MapGet("/pending", async (IMediator m) => TypedResults.Ok(await m.Send(new PendingSync.Query())));
        app.MapHub<Hubs.DashboardHub>(HubRoutes.Dashboard);
        return app;
    }
}
