using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Dashboard;

/// <summary>The pours not yet settled: in progress, or waiting for the controller's record or a manager's reconcile.</summary>
/// <summary>How many of something one venue has (the dashboards' per-venue counts).</summary>
internal sealed record VenueCount(Guid LocationId, int Count);

public static class PendingSync
{
    public sealed record Query(Guid? LocationId = null) : IQuery<PendingSyncDto>;

    private static readonly Func<TapRoomDbContext, CancellationToken, Task<List<VenueCount>>> CountQuery = HotQuery.CreateList(
        (TapRoomDbContext db) => db.PourSessions.Where(p => p.SyncStatus == SyncStatus.PendingSync)
            .GroupBy(p => p.Visit!.LocationId).Select(g => new VenueCount(g.Key, g.Count())));

    /// <summary>
    /// Pours waiting for their controller's completion, per venue (prepared once: every dashboard window with a pour
    /// change asks).
    /// </summary>
    public static async Task<Dictionary<Guid, int>> CountsAsync(TapRoomDbContext db, CancellationToken ct) =>
        (await CountQuery(db, ct)).ToDictionary(c => c.LocationId, c => c.Count);

    public sealed class Handler(TapRoomDbContext db, VenueAccess access) : IRequestHandler<Query, PendingSyncDto>
    {
        public async Task<PendingSyncDto> Handle(Query request, CancellationToken cancellationToken)
        {
            var venues = await access.ScopeAsync(request.LocationId, cancellationToken);
            var pours = await db.PourSessions.AsNoTracking()
                .Where(p => p.SyncStatus == SyncStatus.PendingSync && venues.Contains(p.Visit!.LocationId))
                .OrderBy(p => p.AuthorizedAt)
                .Select(p => new PendingSyncPourDto(p.Id, p.TapId, db.Taps.Where(t => t.Id == p.TapId).Select(t => t.Name).FirstOrDefault() ?? "",
                    p.VisitId, p.Visit!.Guest!.Name, p.LastProgressMl, p.MaxVolumeMl, p.AuthorizedAt, p.StartedAt, p.LastProgressAt, p.TimedOutAt))
                .ToListAsync(cancellationToken);
            return new PendingSyncDto(pours.Count, pours);
        }
    }
}
