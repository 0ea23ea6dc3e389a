using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Locations;

/// <summary>The venue as the dashboard needs it: its name, currency, time zone and policies (read-only).</summary>
public static class GetLocation
{
    public sealed record Query : IQuery<LocationDto>;

    public sealed class Handler(LocationContext location) : IRequestHandler<Query, LocationDto>
    {
        public async Task<LocationDto> Handle(Query request, CancellationToken ct) => ToDto(await location.GetAsync(ct));
    }

    public static LocationDto ToDto(Domain.Location l)
    {
        var p = l.Policies;
        return new LocationDto(l.Id, l.Name, l.Currency, l.TimeZone, new LocationPoliciesDto(
            p.LockTimeoutSeconds, p.FlowIdleTimeoutMs, p.PerPourCapMl, p.VisitVolumeLimitMl, p.MinimumBalanceVolumeMl,
            p.MinimumChargedPourMl, p.LateSyncToleranceMl, p.LateSyncTolerancePercent, p.LegalAge, p.PouringRequiresOpenShift,
            p.KegWarningPercent, p.KegCriticalPercent, p.ControllerHeartbeatTimeoutSeconds, p.DeskMoneyWithoutOpenShift, p.ReorderLeadDays), l.Slug,
            l.BoardEnabled, l.ServingSizesMl);
    }

    public static IEndpointRouteBuilder MapLocationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/location", async (Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new Query())))
            .WithTags("Location").RequireAuthorization(Policies.Staff);
        app.MapPut("/api/location/policies", async (UpdateLocationPolicies.Body body, Guid? locationId, IMediator m) =>
                TypedResults.Ok(await m.Send(new UpdateLocationPolicies.Command(body.DeskMoneyWithoutOpenShift, body.ReorderLeadDays))))
            .WithTags("Location").RequireAuthorization(Policies.Manager);

        var locations = app.MapGroup("/api/locations").WithTags("Locations").WithVenueOf(VenueKind.Location);
        locations.MapGet("/", async (IMediator m) => TypedResults.Ok(await m.Send(new ListLocations.Query())))
            .RequireAuthorization(Policies.Staff);
        locations.MapGet("/{id:guid}", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetLocationById.Query(id))))
            .RequireAuthorization(Policies.Staff);
        locations.MapPut("/{id:guid}", async (Guid id, UpdateLocation.Body body, IMediator m) =>
                TypedResults.Ok(await m.Send(new UpdateLocation.Command(id, body.Name, body.Currency, body.TimeZone, body.Policies))))
            .RequireAuthorization(Policies.Manager);
        locations.MapPut("/{id:guid}/prices/{beerTypeId:guid}", async (Guid id, Guid beerTypeId, BeerTypes.SetVenuePrice.Body body, IMediator m) =>
                TypedResults.Ok(await m.Send(new BeerTypes.SetVenuePrice.Command(id, beerTypeId, body.PricePerLiter))))
            .RequireAuthorization(Policies.Manager);
        locations.MapPost("/", async (CreateLocation.Command body, IMediator m) =>
        {
            var created = await m.Send(body);
            return TypedResults.Created($"/api/locations/{created.Id}", created);
        }).RequireAuthorization(Policies.Admin);
        return app;
    }
}
