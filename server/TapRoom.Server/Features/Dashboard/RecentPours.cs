using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Dashboard;

/// <summary>The last pours that finished (synced or reconciled), newest first: the Taps view's feed on page load.</summary>
public static class RecentPours
{
    public sealed record Query(int Take, Guid? LocationId = null) : IQuery<IReadOnlyList<RecentPourDto>>;

    public sealed record RecentPourDto(Guid PourSessionId, Guid TapId, string TapName, string GuestName, Guid VisitId, int VolumeMl, DateTime EndedAt);

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => RuleFor(x => x.Take).InclusiveBetween(1, 100);
    }

    public sealed class Handler(TapRoomDbContext db, VenueAccess access) : IRequestHandler<Query, IReadOnlyList<RecentPourDto>>
    {
        public async Task<IReadOnlyList<RecentPourDto>> Handle(Query request, CancellationToken cancellationToken)
        {
            var venues = await access.ScopeAsync(request.LocationId, cancellationToken);
            var rows = await db.PourSessions.AsNoTracking()
                .Where(p => p.SyncStatus != SyncStatus.PendingSync && (p.EndedAt != null || p.ReconciledAt != null) && venues.Contains(p.Visit!.LocationId))
                .OrderByDescending(p => p.EndedAt ?? p.ReconciledAt)
                .Take(request.Take)
                .Select(p => new
                {
                    p.Id, p.TapId, TapName = db.Taps.Where(t => t.Id == p.TapId).Select(t => t.Name).FirstOrDefault(),
                    GuestName = p.Visit!.Guest!.Name, p.VisitId, p.VolumeMl, p.LastProgressMl, At = p.EndedAt ?? p.ReconciledAt,
                })
                .ToListAsync(cancellationToken);
            return rows.Select(r => new RecentPourDto(r.Id, r.TapId, r.TapName ?? "", r.GuestName, r.VisitId,
                r.VolumeMl ?? r.LastProgressMl, DateTime.SpecifyKind(r.At!.Value, DateTimeKind.Utc))).ToList();
        }
    }
}
