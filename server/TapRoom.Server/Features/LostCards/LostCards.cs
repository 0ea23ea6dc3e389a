using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.LostCards;

/// <summary>
/// A guest lost their card. The card becomes <c>lost</c> and an open LostCard row blocks its UID (at every tap, and at
/// the desk until a manager clears it). The guest's active visit goes on: it only lets go of the card (its CardId is
/// cleared), so that the desk can assign a new card to the same visit, with its balance and history.
/// </summary>
public static class ReportCardLost
{
    public sealed record Command(string Uid, string? Reason) : ICommand<LostCardDto>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Uid).NotEmpty().MaximumLength(64);
            RuleFor(x => x.Reason).MaximumLength(500);
        }
    }

    public sealed class Handler(TapRoomDbContext db, CurrentActor actor, AuditTrail audit, TimeProvider time, DomainEvents events, LocationContext location)
        : IRequestHandler<Command, LostCardDto>
    {
        public async Task<LostCardDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var uid = CardUid.Normalize(request.Uid);
            var card = await db.Cards.FirstOrDefaultAsync(c => c.Uid == uid, cancellationToken)
                ?? throw new NotFoundException("Card", uid);
            if (card.Status == CardStatus.Lost || await db.LostCards.AnyAsync(l => l.Uid == uid && l.ClearedAt == null, cancellationToken))
                throw new DomainException("card_already_lost", $"Card {uid} is reported lost already.");

            var visit = await db.Visits.FirstOrDefaultAsync(v => v.CardId == card.Id && v.Status == VisitStatus.Active, cancellationToken);
            var venueId = (await location.GetAsync(cancellationToken)).Id;
            var lost = new LostCard
            {
                Id = Guid.NewGuid(),
                // Reported where the staff member works; the card is refused at every venue all the same.
                LocationId = venueId,
                Uid = uid,
                CardId = card.Id,
                GuestId = card.GuestId ?? visit?.GuestId,
                // Another venue's visit is named only there (its staff close it); here the report names the card.
                VisitId = visit?.LocationId == venueId ? visit.Id : null,
                ReportedAt = now,
                ReportedBy = actor.Value.Name,
                Reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim(),
            };
            db.LostCards.Add(lost);
            var previousStatus = card.Status;
            card.Status = CardStatus.Lost;
            if (visit is not null)
            {
                visit.CardId = null;
                events.Add(new VisitChangedNotification(visit.Id));
            }
            audit.Record(AuditActions.CardReportedLost, "card", card.Id,
                new { uid, lostCardId = lost.Id, lost.GuestId, lost.VisitId, lost.Reason, previousStatus, visitContinues = visit is not null });
            await db.SaveChangesAsync(cancellationToken);
            return await ReadModels.LostCards(db, db.LostCards.Where(l => l.Id == lost.Id)).SingleAsync(cancellationToken);
        }
    }
}

public static class ListLostCards
{
    public sealed record Query(bool? Open, Guid? LocationId = null) : IQuery<IReadOnlyList<LostCardDto>>;

    public sealed class Handler(TapRoomDbContext db, VenueAccess access) : IRequestHandler<Query, IReadOnlyList<LostCardDto>>
    {
        public async Task<IReadOnlyList<LostCardDto>> Handle(Query request, CancellationToken cancellationToken)
        {
            var venues = await access.ScopeAsync(request.LocationId, cancellationToken);
            IQueryable<LostCard> q = db.LostCards.Where(l => venues.Contains(l.LocationId));
            if (request.Open is { } open) q = open ? q.Where(l => l.ClearedAt == null) : q.Where(l => l.ClearedAt != null);
            return await ReadModels.LostCards(db, q.OrderByDescending(l => l.ReportedAt).Take(1000)).ToListAsync(cancellationToken);
        }
    }
}

/// <summary>
/// A manager clears a lost card (found again, or written off): the entry is closed and the card becomes an unbound,
/// inactive card that the desk can issue again to anyone.
/// </summary>
public static class ClearLostCard
{
    public sealed record Command(Guid LostCardId, string Comment) : ICommand<LostCardDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("lost_card", LostCardId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.Comment).NotEmpty().Must(c => !string.IsNullOrWhiteSpace(c)).WithMessage("'Comment' must not be empty.").MaximumLength(1000);
    }

    public sealed class Handler(TapRoomDbContext db, CurrentActor actor, AuditTrail audit, TimeProvider time) : IRequestHandler<Command, LostCardDto>
    {
        public async Task<LostCardDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var lost = await db.LostCards.FirstOrDefaultAsync(l => l.Id == request.LostCardId, cancellationToken)
                ?? throw new NotFoundException("Lost card", request.LostCardId);
            if (lost.ClearedAt is not null)
                throw new DomainException("lost_card_already_cleared", $"{lost.ClearedBy} cleared this lost card already.");
            lost.ClearedAt = time.GetUtcNow().UtcDateTime;
            lost.ClearedBy = actor.Value.Name;
            var card = lost.CardId is { } cardId ? await db.Cards.FirstOrDefaultAsync(c => c.Id == cardId, cancellationToken) : null;
            var previousGuestId = card?.GuestId;
            if (card is { Status: CardStatus.Lost })
            {
                card.Status = CardStatus.Inactive;
                card.GuestId = null;
            }
            audit.Record(AuditActions.LostCardCleared, "lost_card", lost.Id, new { lost.Uid, cardId = card?.Id, previousGuestId, comment = request.Comment.Trim() });
            await db.SaveChangesAsync(cancellationToken);
            return await ReadModels.LostCards(db, db.LostCards.Where(l => l.Id == lost.Id)).SingleAsync(cancellationToken);
        }
    }
}
