using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// The controller's record of a finished pour, live or replayed from its journal. Idempotent by pour session: the
/// first accepted completion claims the session (<see cref="PourLifecycle.CompleteAsync"/>: pending_sync → synced) and settles it;
/// every later one is <c>duplicate</c>. After a manager's reconcile it is matched (<c>late_sync_matched</c> /
/// <c>late_sync_mismatch</c>), never charged again. A completion that cannot be right (unknown session, another
/// controller's session, wrong tap, negative or absurd volume) is <c>rejected</c> and changes nothing.
/// </summary>
public static class CompletePour
{
    public const int AbsurdVolumeMl = 100_000;

    /// <param name="ControllerChecked">Set by <see cref="SyncPours"/>, which checked the controller once for its whole batch
    /// in the same transaction.</param>
    public sealed record Command(Guid ControllerId, CompletePourRequest Request, bool ControllerChecked = false) : ICommand<CompletePourResult>, IControllerRequest;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Request).NotNull();
            When(x => x.Request is not null, () =>
            {
                RuleFor(x => x.Request.PourSessionId).NotEmpty();
                RuleFor(x => x.Request.TapId).NotEmpty();
            });
        }
    }

    public sealed class Handler(
        TapRoomDbContext db,
        LocationContext location,
        PourSettlement settlement,
        AuditTrail audit,
        AlertRaiser alerts,
        DomainEvents events,
        OpenPours openPours,
        TimeProvider time)
        : IRequestHandler<Command, CompletePourResult>
    {
        // The hot reads of every completion, prepared once (Infrastructure/HotQuery). Tracked: the completion changes them.
        private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<PourSession?>> SessionQuery = HotQuery.Create(
            (TapRoomDbContext db, Guid id, CancellationToken _) => db.PourSessions.FirstOrDefault(p => p.Id == id));

        private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<List<Guid>>> WaitingTapsQuery = HotQuery.CreateList(
            (TapRoomDbContext db, Guid controllerId) => db.Taps.Where(t => t.ControllerId == controllerId && t.Status == TapStatus.ProcessingSync).Select(t => t.Id));

        public async Task<CompletePourResult> Handle(Command command, CancellationToken ct)
        {
            var result = await CompleteAsync(command, ct);
            if (result.Outcome != CompletePourOutcome.Rejected)
            {
                // Hello with unsynced pours put every active tap of the controller into processing_sync; each of them
                // goes back to active as soon as no pour on it holds a visit's lock, not only the tap of this pour.
                var waiting = await WaitingTapsQuery(db, command.ControllerId, ct);
                foreach (var tapId in waiting)
                    await PourSettlement.ReturnTapIfClearAsync(db, audit, events, tapId, command.Request.PourSessionId, ct);
            }
            return result;
        }

        private async Task<CompletePourResult> CompleteAsync(Command command, CancellationToken ct)
        {
            var r = command.Request;
            var now = time.GetUtcNow().UtcDateTime;
            if (!command.ControllerChecked) await PourGuards.EnsureControllerActiveAsync(db, command.ControllerId, ct);

            // Tracked: the first accepted completion settles this very row (read once, not again after the claim).
            var session = await SessionQuery(db, r.PourSessionId, ct);
            if (session is null) return Reject("unknown_session", "No pour session with this id.");
            if (session.ControllerId != command.ControllerId) return Reject("not_your_session", "This pour session belongs to another controller.");
            if (session.TapId != r.TapId) return Reject("tap_mismatch", "This pour session was authorised for another tap.");
            if (r.VolumeMl < 0 || r.VolumeMl > AbsurdVolumeMl) return Reject("invalid_volume", $"A pour's volume must be between 0 and {AbsurdVolumeMl} ml.");

            if (session.SyncStatus == SyncStatus.PendingSync)
            {
                if (await PourLifecycle.CompleteAsync(db, session, now, ct)) return await SyncAsync(session, r, ct);
                db.Entry(session).State = EntityState.Detached;
                session = await db.PourSessions.AsNoTracking().FirstAsync(p => p.Id == r.PourSessionId, ct);
            }

            if (session.SyncStatus == SyncStatus.Reconciled && session.LateSyncOutcome is null)
                return await LateSyncAsync(session, r.VolumeMl, now, ct);
            // A replay whose first answer was lost: a tap waiting for it is returned by Handle, with every waiting tap.
            return new CompletePourResult(CompletePourOutcome.Duplicate, session.ChargedAmount,
                await ReadModels.BalanceAsync(db, session.VisitId, ct), "This pour was already recorded.");

            CompletePourResult Reject(string code, string message)
            {
                audit.Record(AuditActions.PourSyncRejected, "pour_session", r.PourSessionId,
                    new { code, message, r.TapId, r.VolumeMl, r.StartedAt, r.EndedAt });
                return new CompletePourResult(CompletePourOutcome.Rejected, 0m, null, $"{code}: {message}");
            }
        }

        private async Task<CompletePourResult> SyncAsync(PourSession session, CompletePourRequest r, CancellationToken ct)
        {
            openPours.Remove(session.Id);
            session.StartedAt = r.StartedAt;
            session.EndedAt = r.EndedAt;
            var settled = await settlement.SettleAsync(session, r.VolumeMl, ct);
            audit.Record(AuditActions.PourSynced, "pour_session", session.Id, new
            {
                session.VisitId, session.TapId, r.VolumeMl, settled.ChargedVolumeMl, settled.ChargedAmount, settled.DrainedMl,
                settled.OverPour, session.MaxVolumeMl, timedOut = session.TimedOutAt is not null,
            });
            return new CompletePourResult(CompletePourOutcome.Synced, settled.ChargedAmount, settled.Balance);
        }

        private async Task<CompletePourResult> LateSyncAsync(PourSession session, int volumeMl, DateTime now, CancellationToken ct)
        {
            var policies = await location.PoliciesAsync(ct);
            var reconciled = session.VolumeMl ?? 0;
            var difference = Math.Abs(volumeMl - reconciled);
            var tolerance = policies.LateSyncToleranceFor(reconciled);
            var outcome = difference <= tolerance ? LateSyncOutcome.LateSyncMatched : LateSyncOutcome.LateSyncMismatch;

            var claimed = await PourLifecycle.LateSyncAsync(db, session.Id, outcome, volumeMl, now, ct);
            var balance = await ReadModels.BalanceAsync(db, session.VisitId, ct);
            if (!claimed)
                return new CompletePourResult(CompletePourOutcome.Duplicate, session.ChargedAmount, balance, "This pour was already recorded.");

            var details = new { session.VisitId, session.TapId, reconciledMl = reconciled, reportedMl = volumeMl, differenceMl = difference, toleranceMl = tolerance };
            if (outcome == LateSyncOutcome.LateSyncMatched)
            {
                audit.Record(AuditActions.PourLateSyncMatched, "pour_session", session.Id, details);
            }
            else
            {
                audit.Record(AuditActions.PourLateSyncMismatch, "pour_session", session.Id, details);
                var tapName = await db.Taps.AsNoTracking().Where(t => t.Id == session.TapId).Select(t => t.Name).FirstAsync(ct);
                await alerts.RaiseAsync(AlertTypes.SyncMismatch,
                    difference > policies.SyncMismatchCriticalMl ? AlertSeverity.Critical : AlertSeverity.Warning,
                    "visit", session.VisitId,
                    $"{tapName}: the controller recorded {volumeMl} ml for a pour reconciled at {reconciled} ml (difference {difference} ml). Review the charge.", ct);
            }
            events.Add(new VisitChangedNotification(session.VisitId));
            return new CompletePourResult(outcome == LateSyncOutcome.LateSyncMatched ? CompletePourOutcome.LateSyncMatched : CompletePourOutcome.LateSyncMismatch,
                session.ChargedAmount, balance,
                outcome == LateSyncOutcome.LateSyncMatched ? "Matches the manual reconcile." : $"Differs from the manual reconcile by {difference} ml; staff will review.");
        }
    }
}
