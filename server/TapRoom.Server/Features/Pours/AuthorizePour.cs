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
/// A card presented at a tap: allow (a pending_sync pour session and a maximum volume) or deny with a reason.
/// Denies are results, audited as <see cref="AuditActions.PourDenied"/> and committed. The visit's lock is taken with
/// one conditional UPDATE (only while no tap holds it), so racing controllers get exactly one allow on any database;
/// the unique index on <c>Visit.ActiveTapId</c> keeps one tap from serving two visits.
/// </summary>
public static class AuthorizePour
{
    public sealed record Command(Guid ControllerId, AuthorizeRequest Request) : ICommand<AuthorizeResult>, INoRejectionAudit;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Request).NotNull();
            When(x => x.Request is not null, () =>
            {
                RuleFor(x => x.Request.TapId).NotEmpty();
                RuleFor(x => x.Request.RequestId).NotEmpty();
                RuleFor(x => x.Request.CardUid).NotEmpty().MaximumLength(64)
                    .Must(uid => CardUid.TryNormalize(uid, out _)).WithMessage("A card UID is 4, 7 or 10 bytes of hex.");
            });
        }
    }

    public sealed class Handler(
        TapRoomDbContext db,
        LocationContext location,
        AuditTrail audit,
        AlertRaiser alerts,
        DomainEvents events,
        OpenPours openPours,
        TimeProvider time)
        : IRequestHandler<Command, AuthorizeResult>
    {
        public async Task<AuthorizeResult> Handle(Command command, CancellationToken ct)
        {
            var request = command.Request;
            var uid = CardUid.Normalize(request.CardUid);
            var now = time.GetUtcNow().UtcDateTime;
            await PourGuards.EnsureControllerActiveAsync(db, command.ControllerId, ct);

            var tap = await db.Taps.AsNoTracking().Include(t => t.Keg).ThenInclude(k => k!.BeerType)
                .FirstOrDefaultAsync(t => t.Id == request.TapId, ct);
            if (tap is null || tap.ControllerId != command.ControllerId)
                return Deny(DenyReason.TapNotAssigned, "This controller is not assigned to that tap.");

            var earlier = await db.PourSessions.AsNoTracking()
                .FirstOrDefaultAsync(p => p.ControllerId == command.ControllerId && p.RequestId == request.RequestId, ct);
            if (earlier is not null) return await ReplayAsync(earlier, tap, uid, ct);

            var card = await db.Cards.AsNoTracking().FirstOrDefaultAsync(c => c.Uid == uid, ct);
            var lost = await db.LostCards.AsNoTracking().FirstOrDefaultAsync(l => l.Uid == uid && l.ClearedAt == null, ct);
            if (lost is not null || card?.Status == CardStatus.Lost)
            {
                var (subjectType, subjectId) = card is not null ? ("card", card.Id) : lost?.CardId is { } id ? ("card", id) : ("tap", tap.Id);
                await alerts.RaiseAsync(AlertTypes.LostCardAttempt, AlertSeverity.Critical, subjectType, subjectId,
                    $"Lost card {uid} was presented at {tap.Name}.", ct);
                return Deny(DenyReason.CardLost, "This card was reported lost. Please see the staff.");
            }
            if (card is null) return Deny(DenyReason.UnknownCard, "Unknown card.");
            if (card.Status != CardStatus.Active) return Deny(DenyReason.CardInactive, "This card is not active.");

            var visit = await db.Visits.AsNoTracking().Include(v => v.Guest)
                .FirstOrDefaultAsync(v => v.CardId == card.Id && v.Status == VisitStatus.Active, ct);
            if (visit is null) return Deny(DenyReason.NoActiveVisit, "No open visit for this card.");
            if (visit.Guest!.Status == GuestStatus.Blocked) return Deny(DenyReason.GuestBlocked, "This guest is blocked. Please see the staff.", visit);
            if (visit.ActiveTapId is { } holder) return await CardInUseAsync(holder, visit);

            if (tap.Status is TapStatus.Locked or TapStatus.Cleaning or TapStatus.ProcessingSync)
                return Deny(DenyReason.TapNotActive, $"{tap.Name} is not available ({TapRoomJson.EnumValue(tap.Status)}).", visit);
            var keg = tap.Keg;
            if (tap.Status == TapStatus.OutOfKeg || keg is null || keg.Status != KegStatus.Connected || keg.RemainingVolumeMl <= 0)
                return Deny(DenyReason.OutOfKeg, $"{tap.Name} is out of beer.", visit);
            if (await db.Visits.AnyAsync(v => v.ActiveTapId == tap.Id, ct))
                return Deny(DenyReason.TapNotActive, $"{tap.Name} is serving another pour.", visit);

            var policies = await location.PoliciesAsync(ct);
            if (policies.PouringRequiresOpenShift && !await db.Shifts.AnyAsync(s => s.LocationId == tap.LocationId && s.Status == ShiftStatus.Open, ct))
                return Deny(DenyReason.NoOpenShift, "No shift is open; pouring is paused.", visit);
            var beer = keg.BeerType!;
            if (visit.IsMinor && !beer.IsNonAlcoholic)
                return Deny(DenyReason.AgeRestricted, $"{beer.Name} is alcoholic; this visit may pour only non-alcoholic beer.", visit);

            var limit = visit.VolumeLimitMl > 0 ? visit.VolumeLimitMl : policies.VisitVolumeLimitMl;
            var volumeLeft = limit - visit.PouredVolumeMl;
            if (volumeLeft <= 0) return Deny(DenyReason.VisitLimitReached, $"The visit's limit of {limit} ml is reached.", visit);

            var balance = await ReadModels.BalanceAsync(db, visit.Id, ct);
            var affordable = Money.VolumeAffordable(beer.PricePerLiter, balance);
            if (balance < Money.PriceOf(beer.PricePerLiter, policies.MinimumBalanceVolumeMl) || affordable <= 0)
                return Deny(DenyReason.InsufficientBalance, $"Balance {balance:0.00} is too low; please top up.", visit, balance);

            var maxVolume = new[] { policies.PerPourCapMl, keg.RemainingVolumeMl, volumeLeft, affordable }.Min();
            var sessionId = Guid.NewGuid();
            int locked;
            try
            {
                locked = await db.Visits
                    .Where(v => v.Id == visit.Id && v.ActiveTapId == null && v.Status == VisitStatus.Active)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(v => v.ActiveTapId, tap.Id)
                        .SetProperty(v => v.LockSetAt, now)
                        .SetProperty(v => v.ActivePourSessionId, sessionId), ct);
            }
            catch (Exception ex) when (ex is DbUpdateException or System.Data.Common.DbException)
            {
                // UX_Visits_ActiveTap: another visit took this tap between the check above and the update.
                throw new DomainException("tap_busy", $"{tap.Name} is serving another pour.");
            }
            if (locked == 0)
            {
                var now2 = await db.Visits.AsNoTracking().Where(v => v.Id == visit.Id).Select(v => new { v.ActiveTapId, v.Status }).FirstAsync(ct);
                if (now2.Status != VisitStatus.Active) return Deny(DenyReason.NoActiveVisit, "No open visit for this card.", visit);
                return await CardInUseAsync(now2.ActiveTapId!.Value, visit);
            }

            db.PourSessions.Add(new PourSession
            {
                Id = sessionId,
                VisitId = visit.Id,
                TapId = tap.Id,
                KegId = keg.Id,
                ControllerId = command.ControllerId,
                RequestId = request.RequestId,
                CardUid = uid,
                MaxVolumeMl = maxVolume,
                PricePerLiter = beer.PricePerLiter,
                AuthorizedAt = now,
                SyncStatus = SyncStatus.PendingSync,
            });
            // Known to the progress path before the controller can report on it (harmless if this command rolls back:
            // no controller ever hears of the session, and the background write finds nothing pending).
            openPours.Add(sessionId, command.ControllerId, tap.Id, visit.Id);
            audit.Record(AuditActions.PourAuthorized, "pour_session", sessionId,
                new { visitId = visit.Id, tapId = tap.Id, cardUid = uid, requestId = request.RequestId, maxVolumeMl = maxVolume, pricePerLiter = beer.PricePerLiter, balance });
            events.Add(new TapChangedNotification(tap.Id));
            events.Add(new VisitChangedNotification(visit.Id));
            events.Add(new SyncQueueChangedNotification());
            return new AuthorizeResult(true, sessionId, maxVolume, null, $"Enjoy your {beer.Name}.", visit.Guest.Name, balance);

            async Task<AuthorizeResult> CardInUseAsync(Guid otherTapId, Visit v)
            {
                var name = await db.Taps.AsNoTracking().Where(t => t.Id == otherTapId).Select(t => t.Name).FirstOrDefaultAsync(ct) ?? "another tap";
                return Deny(DenyReason.CardInUse, $"Card already in use on {name}.", v);
            }

            AuthorizeResult Deny(DenyReason reason, string message, Visit? v = null, decimal? balanceNow = null)
            {
                audit.Record(AuditActions.PourDenied, "tap", request.TapId,
                    new { reason, message, cardUid = uid, requestId = request.RequestId, visitId = v?.Id });
                return new AuthorizeResult(false, null, null, reason, message, v?.Guest?.Name, balanceNow);
            }
        }

        /// <summary>A retry of the same presentation gets the same allow while that pour is still open.</summary>
        private async Task<AuthorizeResult> ReplayAsync(PourSession earlier, Tap tap, string uid, CancellationToken ct)
        {
            if (earlier.TapId != tap.Id || earlier.CardUid != uid)
                throw new DomainException("request_id_reused", "This requestId was used for another tap or card.");
            var visit = await db.Visits.AsNoTracking().Include(v => v.Guest).FirstAsync(v => v.Id == earlier.VisitId, ct);
            if (earlier.SyncStatus != SyncStatus.PendingSync || visit.ActivePourSessionId != earlier.Id)
                throw new DomainException("request_completed", "The pour of this presentation is finished; present the card again.");
            var balance = await ReadModels.BalanceAsync(db, visit.Id, ct);
            return new AuthorizeResult(true, earlier.Id, earlier.MaxVolumeMl, null, "Already authorised.", visit.Guest!.Name, balance);
        }
    }
}

public static class PourGuards
{
    /// <summary>A revoked controller's open connection is aborted; this closes the window before that happens.</summary>
    public static async Task EnsureControllerActiveAsync(TapRoomDbContext db, Guid controllerId, CancellationToken ct)
    {
        var revoked = await db.Controllers.AsNoTracking().Where(c => c.Id == controllerId).Select(c => (bool?)(c.RevokedAt != null)).FirstOrDefaultAsync(ct);
        if (revoked != false) throw new DomainException("controller_revoked", "This controller's key was revoked.", StatusCodes.Status403Forbidden);
    }
}
