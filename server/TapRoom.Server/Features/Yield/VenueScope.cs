using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Locations;

namespace TapRoom.Server.Features.Yield;

/// <summary>
/// The venue a yield, stock or calibration request is about: the one named, else the user's first (the default one
/// while there is one). A venue the user may not see is answered 404, as if it did not exist; the venues a user may
/// see are <see cref="ListLocations.VisibleTo"/>'s, so narrowing them there narrows these routes too.
/// </summary>
public static class VenueScope
{
    public static async Task<Location> ResolveAsync(TapRoomDbContext db, Guid? locationId, CancellationToken ct)
    {
        var visible = ListLocations.VisibleTo(db);
        if (locationId is { } id)
            return await visible.FirstOrDefaultAsync(l => l.Id == id, ct) ?? throw new NotFoundException("Location", id);
        return await visible.FirstOrDefaultAsync(ct) ?? throw new NotFoundException("Location", "default");
    }

    /// <summary>Whether the user may see <paramref name="locationId"/> (a keg's or a tap's venue); 404 when not.</summary>
    public static async Task EnsureVisibleAsync(TapRoomDbContext db, Guid locationId, string what, Guid id, CancellationToken ct)
    {
        if (!await ListLocations.VisibleTo(db).AnyAsync(l => l.Id == locationId, ct)) throw new NotFoundException(what, id);
    }
}
