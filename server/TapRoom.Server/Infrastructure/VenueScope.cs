using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Infrastructure;

/// <summary>What the <c>{id}</c> of a route names, so that the request can be held to that thing's venue.</summary>
public enum VenueKind { Location, Tap, Keg, Visit, Controller, Shift, Alert, LostCard, PosOutboxEntry, TemperatureZone, Calibration }

/// <summary>Endpoint metadata: the route's <c>{id}</c> (or <paramref name="RouteParameter"/>) names a thing of this kind.</summary>
public sealed record VenueOf(VenueKind Kind, string RouteParameter = "id");

public static class VenueScopeSetup
{
    /// <summary>The routes of this group (or this route) name a thing of <paramref name="kind"/> by their <c>{id}</c>.</summary>
    public static TBuilder WithVenueOf<TBuilder>(this TBuilder builder, VenueKind kind, string routeParameter = "id")
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new VenueOf(kind, routeParameter));

    /// <summary>
    /// Holds every staff request to the venues its user may see, before any handler runs (<see cref="VenueScopeMiddleware"/>).
    /// </summary>
    public static IApplicationBuilder UseTapRoomVenueScope(this IApplicationBuilder app) => app.UseMiddleware<VenueScopeMiddleware>();

    /// <summary>The venue of the thing a route names, or null when there is no such thing.</summary>
    public static Task<Guid?> VenueOfAsync(TapRoomDbContext db, VenueKind kind, string id, CancellationToken ct)
    {
        if (kind == VenueKind.PosOutboxEntry)
            return long.TryParse(id, out var entry)
                ? db.PosOutbox.AsNoTracking().Where(e => e.Id == entry).Select(e => (Guid?)e.LocationId).FirstOrDefaultAsync(ct)
                : Task.FromResult<Guid?>(null);
        if (!Guid.TryParse(id, out var g)) return Task.FromResult<Guid?>(null);
        return kind switch
        {
            VenueKind.Location => db.Locations.AsNoTracking().Where(x => x.Id == g).Select(x => (Guid?)x.Id).FirstOrDefaultAsync(ct),
            VenueKind.Tap => db.Taps.AsNoTracking().Where(x => x.Id == g).Select(x => (Guid?)x.LocationId).FirstOrDefaultAsync(ct),
            VenueKind.Keg => db.Kegs.AsNoTracking().Where(x => x.Id == g).Select(x => (Guid?)x.LocationId).FirstOrDefaultAsync(ct),
            VenueKind.Visit => db.Visits.AsNoTracking().Where(x => x.Id == g).Select(x => (Guid?)x.LocationId).FirstOrDefaultAsync(ct),
            VenueKind.Controller => db.Controllers.AsNoTracking().Where(x => x.Id == g).Select(x => (Guid?)x.LocationId).FirstOrDefaultAsync(ct),
            VenueKind.Shift => db.Shifts.AsNoTracking().Where(x => x.Id == g).Select(x => (Guid?)x.LocationId).FirstOrDefaultAsync(ct),
            VenueKind.Alert => db.Alerts.AsNoTracking().Where(x => x.Id == g).Select(x => (Guid?)x.LocationId).FirstOrDefaultAsync(ct),
            VenueKind.LostCard => db.LostCards.AsNoTracking().Where(x => x.Id == g).Select(x => (Guid?)x.LocationId).FirstOrDefaultAsync(ct),
            VenueKind.Calibration => db.TapCalibrations.AsNoTracking().Where(x => x.Id == g).Select(x => (Guid?)x.LocationId).FirstOrDefaultAsync(ct),
            VenueKind.TemperatureZone => db.TemperatureZones.AsNoTracking().Where(x => x.Id == g).Select(x => (Guid?)x.LocationId).FirstOrDefaultAsync(ct),
            _ => Task.FromResult<Guid?>(null),
        };
    }
}

/// <summary>
/// The one place a staff request is held to its venues (docs/RULES.md, "Staff see only their venues"), for every route:
/// a route naming a thing by id (<see cref="VenueOf"/>) is answered 404 when that thing is another venue's, and the
/// request then works at the thing's venue; else <c>?locationId=</c> names the venue (404 when the user may not see it);
/// else the user's first venue. Lists still filter by <see cref="VenueAccess.ScopeAsync"/>, creations choose with
/// <see cref="VenueAccess.ChooseAsync"/>. Controllers, public routes and the system are not staff and pass.
/// </summary>
public sealed class VenueScopeMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http, CurrentActor actor)
    {
        if (actor.Value.Kind == ActorKind.Staff && http.GetEndpoint() is { } endpoint)
        {
            var services = http.RequestServices;
            var access = services.GetRequiredService<VenueAccess>();
            var location = services.GetRequiredService<LocationContext>();
            var ct = http.RequestAborted;
            // The id is in the route, or (for a few reads) in the query string under the same name.
            if (endpoint.Metadata.GetMetadata<VenueOf>() is { } of
                && (http.Request.RouteValues.TryGetValue(of.RouteParameter, out var raw) ? raw?.ToString() : http.Request.Query[of.RouteParameter].FirstOrDefault()) is { } id)
            {
                // An unknown id goes on to its handler, which answers 404 as it always did.
                if (await VenueScopeSetup.VenueOfAsync(services.GetRequiredService<TapRoomDbContext>(), of.Kind, id, ct) is { } venue)
                    await access.EnterAsync(venue, of.Kind.ToString(), id, ct);
            }
            else if (http.Request.Query.TryGetValue("locationId", out var asked) && asked.Count == 1)
            {
                if (!Guid.TryParse(asked[0], out var venue)) throw new DomainException("invalid_location", "locationId is not a venue id.", StatusCodes.Status400BadRequest);
                await access.EnterAsync(venue, "Venue", venue, ct);
                access.Asked = venue;
            }
            else if ((await access.VisibleAsync(ct)) is [var first, ..])
            {
                location.Use(first);
            }
        }
        await next(http);
    }
}
