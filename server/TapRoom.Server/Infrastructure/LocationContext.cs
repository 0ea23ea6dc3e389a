using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Infrastructure;

/// <summary>The venue and its policies, read once per scope (there is one location; see PRODUCT.md).</summary>
public sealed class LocationContext(TapRoomDbContext db)
{
    private Location? _location;

    public async Task<Location> GetAsync(CancellationToken ct = default) =>
        _location ??= await db.Locations.AsNoTracking().OrderBy(l => l.CreatedAt).FirstAsync(ct);

    public async Task<LocationPolicies> PoliciesAsync(CancellationToken ct = default) => (await GetAsync(ct)).Policies;
}
