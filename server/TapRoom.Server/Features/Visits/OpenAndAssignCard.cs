using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Guests;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Visits;

/// <summary>
/// "Open visit and issue card" (M3.6): binds the card to the guest if needed, opens the visit and assigns the card,
/// in one transaction. Idempotent under the operator's key: a retry with the same key and request returns the first
/// result (stored in <see cref="IdempotencyRecord"/>), the same key with another request is refused.
/// Conflicts are checked in this order: guest blocked, card lost, guest has an active visit (that holds a card),
/// card in another active visit, card bound to another guest.
/// </summary>
public static class OpenAndAssignCard
{
    public const string Operation = "open-and-assign-card";

    public sealed record Command(Guid GuestId, string CardUid, string IdempotencyKey, Guid? LocationId = null) : ICommand<OpenAndAssignCardResult>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("guest", GuestId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.GuestId).NotEmpty();
            RuleFor(x => x.CardUid).NotEmpty().MaximumLength(64);
            RuleFor(x => x.IdempotencyKey).NotEmpty().MaximumLength(100);
        }
    }

    private static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();

    public sealed class Handler(
        TapRoomDbContext db,
        AuditTrail audit,
        DomainEvents events,
        LocationContext location,
        VenueAccess access,
        CurrentActor actor,
        TimeProvider time)
        : IRequestHandler<Command, OpenAndAssignCardResult>
    {
        public async Task<OpenAndAssignCardResult> Handle(Command request, CancellationToken cancellationToken)
        {
            var venueId = await access.ChooseAsync(request.LocationId, cancellationToken);
            var uid = Domain.CardUid.Normalize(request.CardUid);
            var key = $"{Operation}:{request.IdempotencyKey.Trim()}";
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{request.GuestId:N}|{uid}")));

            // Double clicks and retries of one request take turns: the second reads the first's stored answer.
            await RowLocks.LockNameAsync(db, key, cancellationToken);
            var previous = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Key == key, cancellationToken);
            if (previous is not null)
            {
                if (previous.RequestHash != hash)
                    throw new DomainException("idempotency_key_reused",
                        "This idempotency key was already used for another guest or card; use a new key for a new request.");
                return JsonSerializer.Deserialize<OpenAndAssignCardResult>(previous.ResultJson, Json)!;
            }

            var now = time.GetUtcNow().UtcDateTime;
            var guest = await db.Guests.FirstOrDefaultAsync(g => g.Id == request.GuestId, cancellationToken)
                ?? throw new NotFoundException("Guest", request.GuestId);
            if (guest.Status == GuestStatus.Blocked)
                throw new DomainException("guest_blocked", $"{guest.Name} is blocked and cannot get a visit.");

            var card = await db.Cards.FirstOrDefaultAsync(c => c.Uid == uid, cancellationToken);
            if (card?.Status == CardStatus.Lost || await db.LostCards.AnyAsync(l => l.Uid == uid && l.ClearedAt == null, cancellationToken))
                throw new DomainException("card_lost", $"Card {uid} is reported lost and cannot be issued.");

            // One active visit per guest and venue: the same guest may have one open at another venue of the chain.
            var guestVisit = await db.Visits.FirstOrDefaultAsync(v => v.GuestId == guest.Id && v.LocationId == venueId && v.Status == VisitStatus.Active, cancellationToken);
            if (guestVisit is { CardId: not null })
                throw new DomainException("guest_has_active_visit", $"{guest.Name} already has an active visit.",
                    details: new { visitId = guestVisit.Id });

            if (card is not null)
            {
                var cardVisit = await db.Visits.Where(v => v.CardId == card.Id && v.Status == VisitStatus.Active)
                    .Select(v => new { v.Id, v.GuestId, v.LocationId, Venue = db.Locations.Where(l => l.Id == v.LocationId).Select(l => l.Name).First() })
                    .FirstOrDefaultAsync(cancellationToken);
                if (cardVisit is not null && cardVisit.LocationId != venueId)
                    throw new DomainException("card_in_active_visit", $"Card {uid} is in an active visit at {cardVisit.Venue}; close it there first.");
                if (cardVisit is not null)
                    throw new DomainException("card_in_active_visit", $"Card {uid} is in use in another guest's active visit.",
                        details: new { visitId = cardVisit.Id });
                if (card.GuestId is { } owner && owner != guest.Id)
                    throw new DomainException("card_bound_to_other_guest", $"Card {uid} is bound to another guest.",
                        details: new { guestId = owner });
            }

            var steps = new List<IssueCardStage>();
            if (card is null)
            {
                card = new Card { Id = Guid.NewGuid(), Uid = uid, CreatedAt = now };
                db.Cards.Add(card);
            }
            if (card.GuestId == guest.Id)
            {
                steps.Add(IssueCardStage.AlreadyBound);
            }
            else
            {
                card.GuestId = guest.Id;
                steps.Add(IssueCardStage.Bound);
                audit.Record(AuditActions.CardBound, "card", card.Id, new { uid, guestId = guest.Id });
            }
            card.Status = CardStatus.Active;

            var policies = await location.PoliciesAsync(cancellationToken);
            var today = await VenueCalendar.TodayAsync(location, time, cancellationToken);
            var visitOpened = guestVisit is null;
            var visit = guestVisit ?? new Visit
            {
                Id = Guid.NewGuid(),
                LocationId = venueId,
                GuestId = guest.Id,
                OpenedAt = now,
                OpenedBy = actor.Value.Name,
                IsMinor = guest.AgeOn(today) < policies.LegalAge,
                VolumeLimitMl = policies.VisitVolumeLimitMl,
            };
            visit.CardId = card.Id;
            if (visitOpened)
            {
                db.Visits.Add(visit);
                audit.Record(AuditActions.VisitOpened, "visit", visit.Id,
                    new { guestId = guest.Id, cardId = card.Id, uid, visit.IsMinor, visit.VolumeLimitMl, idempotencyKey = request.IdempotencyKey });
            }
            else
            {
                audit.Record(AuditActions.VisitCardAssigned, "visit", visit.Id, new { guestId = guest.Id, cardId = card.Id, uid });
            }
            steps.Add(IssueCardStage.Assigned);

            var result = new OpenAndAssignCardResult(visit.Id, steps[0], steps, visitOpened, guest.Id, card.Id, uid,
                visit.IsMinor, visit.VolumeLimitMl, visit.OpenedAt);
            db.IdempotencyRecords.Add(new IdempotencyRecord
            {
                Key = key,
                RequestHash = hash,
                ResultJson = JsonSerializer.Serialize(result, Json),
                CreatedAt = now,
            });
            events.Add(new VisitChangedNotification(visit.Id));
            return result;
        }
    }
}
