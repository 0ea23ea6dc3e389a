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
/// A card presented at a tap: allow (a pending_sync pour session and a maximum volume) or deny with a reason. The rules
/// are the pure <see cref="AuthorizationDecision.Decide"/> over a snapshot the handler reads with prepared queries.
/// Denies are results, audited as <see cref="AuditActions.PourDenied"/> and committed. The visit's lock is taken with
/// one conditional UPDATE (<see cref="VisitLock.TakeAsync"/>), so racing controllers get exactly one allow on any database;
/// the unique index on <c>Visit.ActiveTapId</c> keeps one tap from serving two visits (<see cref="VisitLock"/>).
/// </summary>
public static class AuthorizePour
{
    public sealed record Command(Guid ControllerId, AuthorizeRequest Request) : ICommand<AuthorizeResult>, INoRejectionAudit, IControllerRequest;

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
        // The hot reads, prepared once (Infrastructure/HotQuery: EF compiled queries, one per provider).
        private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<TapFacts?>> TapQuery = HotQuery.Create(
            (TapRoomDbContext db, Guid tapId, CancellationToken _) => db.Taps.AsNoTracking().Where(t => t.Id == tapId)
                .Select(t => new TapFacts(t.Id, t.Name, t.ControllerId, t.Status, t.Keg == null ? null
                    : new KegFacts(t.Keg.Id, t.Keg.Status, t.Keg.RemainingVolumeMl, t.Keg.BeerType!.Name, t.Keg.BeerType.Abv,
                        // The venue's own price, else the catalogue's (VenuePrices).
                        db.LocationPrices.Where(p => p.LocationId == t.LocationId && p.BeerTypeId == t.Keg.BeerTypeId).Select(p => (decimal?)p.PricePerLiter).FirstOrDefault()
                            ?? t.Keg.BeerType.PricePerLiter), t.LocationId))
                .FirstOrDefault());

        private static readonly Func<TapRoomDbContext, Guid, Guid, CancellationToken, Task<PourSession?>> EarlierQuery = HotQuery.Create(
            (TapRoomDbContext db, Guid controllerId, Guid requestId, CancellationToken _) =>
                db.PourSessions.AsNoTracking().FirstOrDefault(p => p.ControllerId == controllerId && p.RequestId == requestId));

        private static readonly Func<TapRoomDbContext, string, CancellationToken, Task<Card?>> CardQuery = HotQuery.Create(
            (TapRoomDbContext db, string uid, CancellationToken _) => db.Cards.AsNoTracking().FirstOrDefault(c => c.Uid == uid));

        private static readonly Func<TapRoomDbContext, string, CancellationToken, Task<LostCard?>> LostQuery = HotQuery.Create(
            (TapRoomDbContext db, string uid, CancellationToken _) => db.LostCards.AsNoTracking().FirstOrDefault(l => l.Uid == uid && l.ClearedAt == null));

        private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<VisitFacts?>> VisitQuery = HotQuery.Create(
            (TapRoomDbContext db, Guid cardId, CancellationToken _) => db.Visits.AsNoTracking()
                .Where(v => v.CardId == cardId && v.Status == VisitStatus.Active)
                .Select(v => new VisitFacts(v.Id, v.Guest!.Name, v.Guest.Status == GuestStatus.Blocked, v.IsMinor, v.ActiveTapId, v.VolumeLimitMl, v.PouredVolumeMl, v.Balance,
                    v.LocationId, db.Locations.Where(l => l.Id == v.LocationId).Select(l => l.Name).FirstOrDefault()))
                .FirstOrDefault());

        private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<bool>> TapHeldQuery = HotQuery.Create(
            (TapRoomDbContext db, Guid tapId, CancellationToken _) => db.Visits.Any(v => v.ActiveTapId == tapId));

        private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<bool>> ShiftOpenQuery = HotQuery.Create(
            (TapRoomDbContext db, Guid locationId, CancellationToken _) => db.Shifts.Any(s => s.LocationId == locationId && s.Status == ShiftStatus.Open));

        /// <summary>Loads the snapshot, asks <see cref="AuthorizationDecision.Decide"/>, applies the answer.</summary>
        public async Task<AuthorizeResult> Handle(Command command, CancellationToken ct)
        {
            var request = command.Request;
            var uid = CardUid.Normalize(request.CardUid);
            var now = time.GetUtcNow().UtcDateTime;
            await PourGuards.EnsureControllerActiveAsync(db, command.ControllerId, ct);

            var tap = await TapQuery(db, request.TapId, ct);
            if (tap is not null) location.Use(tap.LocationId);
            var policies = await location.PoliciesAsync(ct);
            if (tap is null || tap.ControllerId != command.ControllerId)
                return Apply(AuthorizationDecision.Decide(new AuthorizationSnapshot(command.ControllerId, tap, null, false, null, null, false, false, policies, 0m)), null);

            if (await EarlierQuery(db, command.ControllerId, request.RequestId, ct) is { } earlier) return await ReplayAsync(earlier, tap.Id, uid, ct);

            var card = await CardQuery(db, uid, ct);
            var lost = await LostQuery(db, uid, ct);
            var visit = card is null ? null : await VisitQuery(db, card.Id, ct);
            var snapshot = new AuthorizationSnapshot(
                command.ControllerId, tap, card?.Status, lost is not null, visit,
                HolderTapName: visit?.ActiveTapId is { } holder ? await ReadModels.TapNameAsync(db, holder, ct) : null,
                TapServesAnotherVisit: await TapHeldQuery(db, tap.Id, ct),
                ShiftOpen: await ShiftOpenQuery(db, tap.LocationId, ct),
                policies,
                Balance: visit?.Balance ?? 0m);
            var decision = AuthorizationDecision.Decide(snapshot);

            if (decision is AuthorizationDecision.Deny { Reason: DenyReason.CardLost })
            {
                var (subjectType, subjectId) = card is not null ? ("card", card.Id) : lost?.CardId is { } id ? ("card", id) : ("tap", tap.Id);
                await alerts.RaiseAsync(AlertTypes.LostCardAttempt, AlertSeverity.Critical, subjectType, subjectId,
                    $"Lost card {uid} was presented at {tap.Name}.", ct);
            }
            if (decision is not AuthorizationDecision.Allow allow) return Apply(decision, visit, snapshot.Balance);

            var sessionId = Guid.NewGuid();
            var keg = tap.Keg!;
            var maxVolume = allow.MaxVolumeMl;
            VisitLock.Taken taken;
            try
            {
                taken = await VisitLock.TakeAsync(db, visit!.Id, tap.Id, sessionId, Money.PriceOf(keg.PricePerLiter, maxVolume), visit.PouredVolumeMl, now, ct);
            }
            catch (Exception ex) when (DatabaseErrors.IsConstraintViolation(ex))
            {
                // UX_Visits_ActiveTap: another visit took this tap between the check above and the update. The failed
                // statement ended the transaction on PostgreSQL, so this is a refusal rather than an audited deny.
                throw new DomainException("tap_busy", $"{tap.Name} is serving another pour.");
            }
            switch (taken)
            {
                case VisitLock.Taken.VisitClosed:
                    return Apply(new AuthorizationDecision.Deny(DenyReason.NoActiveVisit, "No open visit for this card."), visit);
                case VisitLock.Taken.HeldElsewhere:
                    var holderNow = await db.Visits.AsNoTracking().Where(v => v.Id == visit.Id).Select(v => v.ActiveTapId).FirstAsync(ct);
                    var name = holderNow is { } h ? await ReadModels.TapNameAsync(db, h, ct) : null;
                    return Apply(new AuthorizationDecision.Deny(DenyReason.CardInUse, $"Card already in use on {name ?? "another tap"}."), visit);
                case VisitLock.Taken.FactsChanged:
                    // The desk moved money or a pour was charged since the snapshot: decide again on what is there now.
                    throw new ConcurrencyConflictException("The visit changed while the presentation was decided.");
            }

            db.PourSessions.Add(PourLifecycle.Authorise(sessionId, visit.Id, tap.Id, keg.Id, command.ControllerId, request.RequestId, uid,
                maxVolume, keg.PricePerLiter, now));
            // Known to the progress path before the controller can report on it (harmless if this command rolls back:
            // no controller ever hears of the session, and the background write finds nothing pending).
            openPours.Add(sessionId, command.ControllerId, tap.Id, visit.Id);
            var balance = snapshot.Balance;
            audit.Record(AuditActions.PourAuthorized, "pour_session", sessionId,
                new { visitId = visit.Id, tapId = tap.Id, cardUid = uid, requestId = request.RequestId, maxVolumeMl = maxVolume, pricePerLiter = keg.PricePerLiter, balance });
            events.Add(new TapChangedNotification(tap.Id));
            events.Add(new VisitChangedNotification(visit.Id));
            events.Add(new SyncQueueChangedNotification());
            return new AuthorizeResult(true, sessionId, maxVolume, null, $"Enjoy your {keg.BeerName}.", visit.GuestName, balance);

            AuthorizeResult Apply(AuthorizationDecision d, VisitFacts? v, decimal balanceNow = 0m)
            {
                var deny = (AuthorizationDecision.Deny)d;
                var named = deny.NamesVisit ? v : null;
                audit.Record(AuditActions.PourDenied, "tap", request.TapId,
                    new { reason = deny.Reason, message = deny.Message, cardUid = uid, requestId = request.RequestId, visitId = named?.Id });
                events.Add(new PourDeniedNotification(request.TapId, deny.Reason, deny.Message, uid, v?.Id, v?.GuestName, now));
                return new AuthorizeResult(false, null, null, deny.Reason, deny.Message, named?.GuestName, deny.ShowsBalance ? balanceNow : null);
            }
        }

        /// <summary>A retry of the same presentation gets the same allow while that pour is still open.</summary>
        private async Task<AuthorizeResult> ReplayAsync(PourSession earlier, Guid tapId, string uid, CancellationToken ct)
        {
            if (earlier.TapId != tapId || earlier.CardUid != uid)
                throw new DomainException("request_id_reused", "This requestId was used for another tap or card.");
            var visit = await db.Visits.AsNoTracking().Include(v => v.Guest).FirstAsync(v => v.Id == earlier.VisitId, ct);
            if (earlier.SyncStatus != SyncStatus.PendingSync || visit.ActivePourSessionId != earlier.Id)
                throw new DomainException("request_completed", "The pour of this presentation is finished; present the card again.");
            return new AuthorizeResult(true, earlier.Id, earlier.MaxVolumeMl, null, "Already authorised.", visit.Guest!.Name, visit.Balance);
        }
    }
}

public static class PourGuards
{
    private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<bool?>> RevokedQuery = HotQuery.Create(
        (TapRoomDbContext db, Guid controllerId, CancellationToken _) =>
            db.Controllers.AsNoTracking().Where(c => c.Id == controllerId).Select(c => (bool?)(c.RevokedAt != null)).FirstOrDefault());

    /// <summary>A revoked controller's open connection is aborted; this closes the window before that happens.</summary>
    public static async Task EnsureControllerActiveAsync(TapRoomDbContext db, Guid controllerId, CancellationToken ct)
    {
        var revoked = await RevokedQuery(db, controllerId, ct);
        if (revoked != false) throw new DomainException("controller_revoked", "This controller's key was revoked.", StatusCodes.Status403Forbidden);
    }
}
