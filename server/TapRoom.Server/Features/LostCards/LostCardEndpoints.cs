using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.LostCards;

public static class LostCardEndpoints
{
    public sealed record ReportBody(string? Reason);

    public sealed record ClearBody(string? Comment);

    public static IEndpointRouteBuilder MapLostCardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/cards/{uid}/lost", async (string uid, ReportBody? body, IMediator m) =>
            {
                var lost = await m.Send(new ReportCardLost.Command(uid, body?.Reason));
                return TypedResults.Created($"/api/lost-cards/{lost.Id}", lost);
            })
            .WithTags("Lost cards").RequireAuthorization(Policies.Staff);

        var group = app.MapGroup("/api/lost-cards").WithTags("Lost cards").WithVenueOf(VenueKind.LostCard);
        group.MapGet("/", async (bool? open, Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new ListLostCards.Query(open, locationId))))
            .RequireAuthorization(Policies.Staff);
        group.MapPost("/{id:guid}/clear", async (Guid id, ClearBody body, IMediator m) =>
                TypedResults.Ok(await m.Send(new ClearLostCard.Command(id, body.Comment ?? ""))))
            .RequireAuthorization(Policies.Manager);
        return app;
    }
}
