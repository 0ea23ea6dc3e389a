using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// A pour that still holds its visit's lock but has shown no progress (last progress, else the allow) for longer than
/// the policy's lock timeout is marked timed out (<see cref="PourLifecycle.TimeOutAsync"/>): its tap goes <c>processing_sync</c> (no new card there until it is
/// synced, reconciled or force-unlocked) and a warning alert is raised. A session is timed out once; running the
/// sweep again changes nothing.
/// </summary>
public static class SweepLockTimeouts
{
    /// <summary>
    /// The sweep. Not a command itself: it looks for stale pours with a read outside the single writer (hundreds of pours
    /// are open at a busy hour, and loading them all inside a write transaction held every authorisation up for
    /// ~100 ms every 5 s: docs/PERFORMANCE.md), and only when it finds some sends <see cref="TimeOut"/>, which checks
    /// them again inside its transaction.
    /// </summary>
    public sealed record Command : IRequest<Result>;

    public sealed record Result(IReadOnlyList<Guid> TimedOut);

    /// <summary>Times out those of <paramref name="Candidates"/> that are still open, still hold their lock and are still stale.</summary>
    public sealed record TimeOut(IReadOnlyList<Guid> Candidates) : ICommand<Result>;

    public sealed class SweepHandler(TapRoomDbContext db, IMediator mediator, LocationContext location, OpenPours openPours, TimeProvider time)
        : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken ct)
        {
            // The shortest timeout of any venue finds the candidates; TimeOut holds each pour to its own venue's.
            var shortest = await db.Locations.AsNoTracking().Select(l => l.Policies.LockTimeoutSeconds).ToListAsync(ct);
            var cutoff = time.GetUtcNow().UtcDateTime.AddSeconds(-(shortest.Count > 0 ? shortest.Min() : (await location.PoliciesAsync(ct)).LockTimeoutSeconds));
            var open = await db.PourSessions.AsNoTracking()
                .Where(p => p.SyncStatus == SyncStatus.PendingSync && p.TimedOutAt == null && db.Visits.Any(v => v.ActivePourSessionId == p.Id))
                .Select(p => new { p.Id, p.AuthorizedAt, p.LastProgressAt })
                .ToListAsync(ct);
            var candidates = open.Where(p => LastSign(openPours, p.Id, p.LastProgressAt, p.AuthorizedAt) < cutoff).Select(p => p.Id).ToList();
            return candidates.Count == 0 ? new Result([]) : await mediator.Send(new TimeOut(candidates), ct);
        }
    }

    /// <summary>The last sign of life of an open pour: its last progress (in memory when newer than the database), else its allow.</summary>
    internal static DateTime LastSign(OpenPours openPours, Guid id, DateTime? lastProgressAt, DateTime authorizedAt) =>
        openPours.Find(id) is { LastProgressAt: { } at } && (lastProgressAt is null || at > lastProgressAt) ? at : lastProgressAt ?? authorizedAt;

    public sealed class Handler(TapRoomDbContext db, LocationContext location, AuditTrail audit, AlertRaiser alerts, DomainEvents events, OpenPours openPours, TimeProvider time)
        : IRequestHandler<TimeOut, Result>
    {
        public async Task<Result> Handle(TimeOut request, CancellationToken ct)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var ids = request.Candidates.ToList();
            // The time comparison runs here rather than on SQLite's text dates.
            var open = await db.PourSessions.AsNoTracking()
                .Where(p => ids.Contains(p.Id) && p.SyncStatus == SyncStatus.PendingSync && p.TimedOutAt == null && db.Visits.Any(v => v.ActivePourSessionId == p.Id))
                .Select(p => new { p.Id, p.VisitId, p.TapId, p.AuthorizedAt, p.LastProgressMl, p.LastProgressAt, db.Taps.First(t => t.Id == p.TapId).LocationId })
                .ToListAsync(ct);
            var stale = new List<Guid>();
            foreach (var p in open)
            {
                var venue = await location.GetAsync(p.LocationId, ct);
                var policies = venue.Policies;
                var cutoff = now.AddSeconds(-policies.LockTimeoutSeconds);
                // Progress reached the server but may not be written yet (OpenPours writes it in the background).
                var (lastMl, lastAt) = (p.LastProgressMl, p.LastProgressAt);
                if (openPours.Find(p.Id) is { LastProgressAt: { } at } live && (lastAt is null || at > lastAt))
                    (lastMl, lastAt) = (Math.Max(lastMl, live.LastProgressMl), at);
                var lastSign = lastAt ?? p.AuthorizedAt;
                if (lastSign >= cutoff || !await PourLifecycle.TimeOutAsync(db, p.Id, lastMl, lastAt, now, ct)) continue;
                stale.Add(p.Id);

                var tap = await db.Taps.AsNoTracking().Where(t => t.Id == p.TapId).Select(t => new { t.Name }).FirstAsync(ct);
                audit.Record(AuditActions.PourTimedOut, "pour_session", p.Id,
                    new { p.VisitId, p.TapId, lastSignAt = lastSign, lastProgressMl = lastMl, policies.LockTimeoutSeconds });
                var held = await db.Taps.Where(t => t.Id == p.TapId && t.Status == TapStatus.Active)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, TapStatus.ProcessingSync), ct);
                if (held == 1)
                {
                    db.NoteTapStatusChange(p.TapId);
                    audit.Record(AuditActions.TapStatusChanged, "tap", p.TapId, new { from = TapStatus.Active, to = TapStatus.ProcessingSync, reason = "lock_timeout", pourSessionId = p.Id });
                }
                await alerts.RaiseAsync(AlertTypes.LockTimeout, AlertSeverity.Warning, "tap", p.TapId,
                    $"{tap.Name}: a pour has shown no progress since {venue.LocalTimeText(lastSign)} ({lastMl} ml so far). Reconcile it or force-unlock the visit.", ct, p.LocationId);
                events.Add(new TapChangedNotification(p.TapId));
                events.Add(new VisitChangedNotification(p.VisitId));
            }
            if (stale.Count > 0) events.Add(new SyncQueueChangedNotification());
            return new Result(stale);
        }
    }
}
