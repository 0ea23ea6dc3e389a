using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Dashboard;

/// <summary>The pours not yet settled: in progress, or waiting for the controller's record or a manager's reconcile.</summary>
public static class PendingSync
{
    public sealed record Query : IQuery<PendingSyncDto>;

    private static readonly Func<TapRoomDbContext, CancellationToken, Task<int>> CountQuery = HotQuery.Create(
        (TapRoomDbContext db, CancellationToken _) => db.PourSessions.Count(p => p.SyncStatus == SyncStatus.PendingSync));

    /// <summary>Pours waiting for their controller's completion (prepared once: every dashboard window with a pour change asks).</summary>
    public static Task<int> CountAsync(TapRoomDbContext db, CancellationToken ct) => CountQuery(db, ct);

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, PendingSyncDto>
    {
        public async Task<PendingSyncDto> Handle(Query request, CancellationToken cancellationToken)
        {
            var pours = await db.PourSessions.AsNoTracking()
                .Where(p => p.SyncStatus == SyncStatus.PendingSync)
                .OrderBy(p => p.AuthorizedAt)
                .Select(p => new PendingSyncPourDto(p.Id, p.TapId, db.Taps.Where(t => t.Id == p.TapId).Select(t => t.Name).FirstOrDefault() ?? "",
                    p.VisitId, p.Visit!.Guest!.Name, p.LastProgressMl, p.MaxVolumeMl, p.AuthorizedAt, p.StartedAt, p.LastProgressAt, p.TimedOutAt))
                .ToListAsync(cancellationToken);
            return new PendingSyncDto(pours.Count, pours);
        }
    }
}
