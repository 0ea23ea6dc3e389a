using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Infrastructure;

/// <summary>The venue and its policies, read once per scope (there is one location; see PRODUCT.md).</summary>
public sealed class LocationContext(TapRoomDbContext db)
{
    private static readonly Func<TapRoomDbContext, CancellationToken, Task<Location>> LocationQuery = HotQuery.Create(
        (TapRoomDbContext db, CancellationToken _) => db.Locations.AsNoTracking().OrderBy(l => l.CreatedAt).First());

    private Location? _location;

    public async Task<Location> GetAsync(CancellationToken ct = default) => _location ??= await LocationQuery(db, ct);

    public async Task<LocationPolicies> PoliciesAsync(CancellationToken ct = default) => (await GetAsync(ct)).Policies;
}
