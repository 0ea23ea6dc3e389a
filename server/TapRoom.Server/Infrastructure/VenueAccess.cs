using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// The one home of "staff see and touch only their venues" (docs/RULES.md): which venues the current user may see, the
/// check every by-id read and command makes on the venue of what it found, and the venues a list shows. An admin sees the
/// chain; staff and managers see the venues they are members of; the system and controllers are not limited here
/// (a controller is held to its own venue by its taps). Another venue's thing is reported as not found, so that a refusal
/// tells nothing about it.
/// </summary>
public sealed class VenueAccess(TapRoomDbContext db, CurrentActor actor, LocationContext location)
{
    private IReadOnlyList<Guid>? _visible;

    /// <summary>The venue the request named with <c>?locationId=</c> (checked): what a creation without its own works at.</summary>
    public Guid? Asked { get; set; }

    private bool Unlimited => actor.Value.Kind != ActorKind.Staff || actor.Value.Role == StaffRole.Admin;

    /// <summary>Every venue the user may see, oldest first.</summary>
    public async Task<IReadOnlyList<Guid>> VisibleAsync(CancellationToken ct = default)
    {
        if (_visible is not null) return _visible;
        var all = db.Locations.AsNoTracking().OrderBy(l => l.CreatedAt);
        if (Unlimited) return _visible = await all.Select(l => l.Id).ToListAsync(ct);
        var userId = actor.Value.Id;
        return _visible = await all.Where(l => db.StaffLocations.Any(m => m.StaffUserId == userId && m.LocationId == l.Id)).Select(l => l.Id).ToListAsync(ct);
    }

    public async Task<bool> CanSeeAsync(Guid locationId, CancellationToken ct = default) =>
        Unlimited ? locationId != Guid.Empty : (await VisibleAsync(ct)).Contains(locationId);

    /// <summary>
    /// The check on what a by-id route found: refused as not found when it is another venue's, else this scope works at
    /// its venue from now on (policies, audit).
    /// </summary>
    public async Task EnterAsync(Guid locationId, string what, object id, CancellationToken ct = default)
    {
        // The same answer as for an id that does not exist, without echoing the id.
        if (!await CanSeeAsync(locationId, ct)) throw new DomainException("not_found", $"No such {what.ToLowerInvariant()} here.", StatusCodes.Status404NotFound);
        location.Use(locationId);
    }

    /// <summary>
    /// The venue a creation or a venue-wide command works at: the one asked for (which the user must see), else the
    /// user's only venue. Someone with several venues must say which.
    /// </summary>
    public async Task<Guid> ChooseAsync(Guid? requested, CancellationToken ct = default)
    {
        if (requested is { } id)
        {
            await EnterAsync(id, "Venue", id, ct);
            return id;
        }
        if (Asked is { } asked)
        {
            location.Use(asked);
            return asked;
        }
        var visible = await VisibleAsync(ct);
        var chosen = visible.Count switch
        {
            0 => throw new ForbiddenException("You are not a member of any venue."),
            1 => visible[0],
            _ when actor.Value.Kind != ActorKind.Staff => (await location.GetAsync(ct)).Id,
            _ => throw new DomainException("location_required", "You work at several venues: say which one (locationId).", StatusCodes.Status400BadRequest),
        };
        location.Use(chosen);
        return chosen;
    }

    /// <summary>The venues a list shows: the one asked for (which the user must see), else every venue the user may see.</summary>
    public async Task<IReadOnlyList<Guid>> ScopeAsync(Guid? requested, CancellationToken ct = default)
    {
        if (requested is not { } id) return await VisibleAsync(ct);
        await EnterAsync(id, "Venue", id, ct);
        return [id];
    }
}
