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

    public static Task<int> CountAsync(TapRoomDbContext db, CancellationToken ct) =>
        db.PourSessions.CountAsync(p => p.SyncStatus == SyncStatus.PendingSync, ct);

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
