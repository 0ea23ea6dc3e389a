using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Visits;

/// <summary>
/// Rule 2: closing a visit deactivates its card (status inactive and unbound, so it opens nothing and can be issued
/// again) and refunds the remaining balance as a refund ledger entry, or, with <c>refundRemaining: false</c>, records
/// it in the audit event and leaves it on the closed visit. Refused while a pour is in progress (<c>visit_pouring</c>)
/// or any pour of the visit is <c>pending_sync</c> (a manager reconciles it first). A lock left without a pending pour
/// is released by the close (rule 3).
/// </summary>
public static class CloseVisit
{
    public sealed record Command(Guid VisitId, string? Reason, bool RefundRemaining = true, PaymentMethod? PaymentMethod = null) : ICommand<CloseVisitResult>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("visit", VisitId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.Reason).MaximumLength(500);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events, VisitLedger ledger, CurrentActor actor, TimeProvider time)
        : IRequestHandler<Command, CloseVisitResult>
    {
        public async Task<CloseVisitResult> Handle(Command request, CancellationToken cancellationToken)
        {
            var visit = await VisitLoader.LoadForChangeAsync(db, request.VisitId, cancellationToken);
            visit.EnsureActive();

            if (visit.ActivePourSessionId is { } pourId
                && await db.PourSessions.AnyAsync(p => p.Id == pourId && p.SyncStatus == SyncStatus.PendingSync && p.TimedOutAt == null, cancellationToken))
            {
                await VisitLoader.EnsureNotPouringAsync(db, visit, cancellationToken);
            }
            await VisitLoader.EnsureNoPendingSyncAsync(db, visit, cancellationToken);

            var now = time.GetUtcNow().UtcDateTime;
            var remaining = visit.Balance;
            LedgerEntry? refund = null;
            if (request.RefundRemaining && remaining > 0)
            {
                refund = (await ledger.RecordAsync(visit, LedgerKind.Refund, remaining, "Remaining balance refunded at close", request.PaymentMethod, cancellationToken)).Entry;
            }

            if (visit.ActiveTapId is { } staleTap)
            {
                Pours.VisitLock.Release(visit);
                events.Add(new TapChangedNotification(staleTap));
            }

            // A lost card stays lost and bound, for the lost-card registry; any other card goes back to the desk.
            if (visit.Card is { Status: not CardStatus.Lost } card)
            {
                card.Status = CardStatus.Inactive;
                card.GuestId = null;
                audit.Record(AuditActions.CardDeactivated, "card", card.Id, new { uid = card.Uid, visitId = visit.Id });
            }

            visit.Status = VisitStatus.Closed;
            visit.ClosedAt = now;
            visit.ClosedBy = actor.Value.Name;
            visit.CloseReason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
            var refunded = refund is null ? 0m : remaining;
            var balance = remaining - refunded;
            audit.Record(AuditActions.VisitClosed, "visit", visit.Id, new
            {
                reason = visit.CloseReason,
                remainingBalance = remaining,
                refunded,
                refundRemaining = request.RefundRemaining,
                balanceLeftOnVisit = balance,
            });
            events.Add(new VisitChangedNotification(visit.Id));
            return new CloseVisitResult(visit.Id, remaining, refunded, refund?.Id, balance, now);
        }
    }
}
