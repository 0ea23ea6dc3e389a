using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Kegs;

public static class KegEndpoints
{
    public static IEndpointRouteBuilder MapKegEndpoints(this IEndpointRouteBuilder app)
    {
        var kegs = app.MapGroup("/api/kegs").WithTags("Kegs").RequireAuthorization(Policies.Staff).WithVenueOf(VenueKind.Keg);
        kegs.MapGet("/", async (string? status, Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new ListKegs.Query(status, locationId))));
        kegs.MapPost("/", async (ReceiveKeg.Command body, IMediator m) =>
        {
            var keg = await m.Send(body);
            return TypedResults.Created($"/api/kegs/{keg.Id}", keg);
        });
        kegs.MapPost("/{id:guid}/empty", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new MarkKegEmpty.Command(id))));
        kegs.MapPost("/{id:guid}/waste", async (Guid id, Yield.RecordKegWaste.Body body, IMediator m) =>
            TypedResults.Ok(await m.Send(new Yield.RecordKegWaste.Command(id, body.VolumeMl, body.Kind, body.Comment))));
        kegs.MapGet("/{id:guid}/yield", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new Yield.GetKegYield.Query(id))))
            .RequireAuthorization(Policies.Manager);
        kegs.MapPost("/{id:guid}/return", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new ReturnKeg.Command(id))));
        return app;
    }
}
