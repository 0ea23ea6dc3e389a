using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.BeerTypes;

public static class BeerTypeEndpoints
{
    public sealed record PriceBody(decimal PricePerLiter);

    public static IEndpointRouteBuilder MapBeerTypeEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/beer-types").WithTags("Beer types");
        group.MapGet("/", async (Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new ListBeerTypes.Query(locationId))))
            .RequireAuthorization(Policies.Staff);
        group.MapPost("/", async (CreateBeerType.Command body, IMediator m) =>
        {
            var beer = await m.Send(body);
            return TypedResults.Created($"/api/beer-types/{beer.Id}", beer);
        }).RequireAuthorization(Policies.Manager);
        group.MapPut("/{id:guid}", async (Guid id, PriceBody body, IMediator m) =>
                TypedResults.Ok(await m.Send(new ChangeBeerTypePrice.Command(id, body.PricePerLiter))))
            .RequireAuthorization(Policies.Manager);
        return app;
    }
}
