using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// A pour that still holds its visit's lock but has shown no progress (last progress, else the allow) for longer than
/// the policy's lock timeout is marked timed out: its tap goes <c>processing_sync</c> (no new card there until it is
/// synced, reconciled or force-unlocked) and a warning alert is raised. A session is timed out once; running the
/// sweep again changes nothing.
/// </summary>
public static class SweepLockTimeouts
{
    public sealed record Command : ICommand<Result>;

    public sealed record Result(IReadOnlyList<Guid> TimedOut);

    public sealed class Handler(TapRoomDbContext db, LocationContext location, AuditTrail audit, AlertRaiser alerts, DomainEvents events, OpenPours openPours, TimeProvider time)
        : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken ct)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var venue = await location.GetAsync(ct);
            var policies = venue.Policies;
            var cutoff = now.AddSeconds(-policies.LockTimeoutSeconds);
            // Few pours are open at once; the time comparison runs here rather than on SQLite's text dates.
            var open = await db.PourSessions
                .Where(p => p.SyncStatus == SyncStatus.PendingSync && p.TimedOutAt == null && db.Visits.Any(v => v.ActivePourSessionId == p.Id))
                .ToListAsync(ct);
            foreach (var p in open)
            {
                // Progress reached the server but may not be written yet (OpenPours writes it in the background).
                if (openPours.Find(p.Id) is { LastProgressAt: { } at } live && (p.LastProgressAt is null || at > p.LastProgressAt))
                    (p.LastProgressMl, p.LastProgressAt) = (Math.Max(p.LastProgressMl, live.LastProgressMl), at);
            }
            var stale = open.Where(p => (p.LastProgressAt ?? p.AuthorizedAt) < cutoff).ToList();
            foreach (var session in stale)
            {
                session.TimedOutAt = now;
                var tap = await db.Taps.FirstAsync(t => t.Id == session.TapId, ct);
                var lastSign = session.LastProgressAt ?? session.AuthorizedAt;
                audit.Record(AuditActions.PourTimedOut, "pour_session", session.Id,
                    new { session.VisitId, session.TapId, lastSignAt = lastSign, session.LastProgressMl, policies.LockTimeoutSeconds });
                if (tap.Status == TapStatus.Active)
                {
                    tap.Status = TapStatus.ProcessingSync;
                    audit.Record(AuditActions.TapStatusChanged, "tap", tap.Id, new { from = TapStatus.Active, to = TapStatus.ProcessingSync, reason = "lock_timeout", pourSessionId = session.Id });
                }
                await alerts.RaiseAsync(AlertTypes.LockTimeout, AlertSeverity.Warning, "tap", tap.Id,
                    $"{tap.Name}: a pour has shown no progress since {venue.LocalTimeText(lastSign)} ({session.LastProgressMl} ml so far). Reconcile it or force-unlock the visit.", ct);
                events.Add(new TapChangedNotification(tap.Id));
                events.Add(new VisitChangedNotification(session.VisitId));
            }
            if (stale.Count > 0) events.Add(new SyncQueueChangedNotification());
            return new Result(stale.Select(s => s.Id).ToList());
        }
    }
}
