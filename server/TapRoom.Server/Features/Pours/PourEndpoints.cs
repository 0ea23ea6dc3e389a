using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

public static class PourEndpoints
{
    public static IEndpointRouteBuilder MapPourEndpoints(this IEndpointRouteBuilder app)
    {
        var visits = app.MapGroup("/api/visits").WithTags("Pours").WithVenueOf(VenueKind.Visit);
        visits.MapPost("/{id:guid}/reconcile-pour", async (Guid id, ReconcilePour.Body body, IMediator m) =>
                TypedResults.Ok(await m.Send(new ReconcilePour.Command(id, body.PourSessionId, body.VolumeMl, body.Comment))))
            .RequireAuthorization(Policies.Manager);
        visits.MapPost("/{id:guid}/force-unlock", async (Guid id, ForceUnlockVisit.Body body, IMediator m) =>
                TypedResults.Ok(await m.Send(new ForceUnlockVisit.Command(id, body.Comment))))
            .RequireAuthorization(Policies.Manager);
        return app;
    }
}
