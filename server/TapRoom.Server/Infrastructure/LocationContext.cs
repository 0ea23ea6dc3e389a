using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// The venue a command or query works at, for this scope: set by <see cref="VenueAccess.EnterAsync"/> (staff, after the
/// membership check) or by the controller's venue (controller commands). Without one set, the first venue: a single venue
/// never has to name it. Venues are read once per scope.
/// </summary>
public sealed class LocationContext(TapRoomDbContext db)
{
    private static readonly Func<TapRoomDbContext, CancellationToken, Task<Location>> FirstQuery = HotQuery.Create(
        (TapRoomDbContext db, CancellationToken _) => db.Locations.AsNoTracking().OrderBy(l => l.CreatedAt).First());

    private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<Location?>> ByIdQuery = HotQuery.Create(
        (TapRoomDbContext db, Guid id, CancellationToken _) => db.Locations.AsNoTracking().FirstOrDefault(l => l.Id == id));

    private readonly Dictionary<Guid, Location> _read = [];

    /// <summary>The venue set for this scope, if any.</summary>
    public Guid? CurrentId { get; private set; }

    /// <summary>Works at this venue for the rest of the scope (its audit events carry it).</summary>
    public void Use(Guid locationId) => CurrentId = locationId;

    /// <summary>The scope's venue, or the first venue when none is set.</summary>
    public async Task<Location> GetAsync(CancellationToken ct = default)
    {
        if (CurrentId is { } id) return await GetAsync(id, ct);
        var first = await FirstQuery(db, ct);
        _read[first.Id] = first;
        CurrentId = first.Id;
        return first;
    }

    public async Task<Location> GetAsync(Guid locationId, CancellationToken ct = default)
    {
        if (_read.TryGetValue(locationId, out var known)) return known;
        var location = await ByIdQuery(db, locationId, ct) ?? throw new NotFoundException("Venue", locationId);
        _read[locationId] = location;
        return location;
    }

    public async Task<LocationPolicies> PoliciesAsync(CancellationToken ct = default) => (await GetAsync(ct)).Policies;

    public async Task<LocationPolicies> PoliciesAsync(Guid locationId, CancellationToken ct = default) => (await GetAsync(locationId, ct)).Policies;
}

/// <summary>
/// Which venue a tap or a controller belongs to, kept in memory: neither ever moves to another venue, so the hot path
/// (progress pushes, controller commands) never asks the database twice.
/// </summary>
public sealed class VenueDirectory(IServiceScopeFactory scopes)
{
    private readonly ConcurrentDictionary<Guid, Guid> _taps = new(), _controllers = new();

    public async ValueTask<Guid> TapLocationAsync(Guid tapId, CancellationToken ct = default)
    {
        if (_taps.TryGetValue(tapId, out var known)) return known;
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        var id = await db.Taps.AsNoTracking().Where(t => t.Id == tapId).Select(t => (Guid?)t.LocationId).FirstOrDefaultAsync(ct);
        return id is { } found ? _taps[tapId] = found : Guid.Empty;
    }

    public async ValueTask<Guid> ControllerLocationAsync(Guid controllerId, CancellationToken ct = default)
    {
        if (_controllers.TryGetValue(controllerId, out var known)) return known;
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        var id = await db.Controllers.AsNoTracking().Where(c => c.Id == controllerId).Select(c => (Guid?)c.LocationId).FirstOrDefaultAsync(ct);
        return id is { } found ? _controllers[controllerId] = found : Guid.Empty;
    }
}
