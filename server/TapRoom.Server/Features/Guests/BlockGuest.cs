using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Guests;

/// <summary>
/// Blocks or unblocks a guest. A blocked guest gets no new visit (<c>guest_blocked</c>) and is denied at the taps;
/// an open visit stays open so that it can be refunded and closed.
/// </summary>
public static class BlockGuest
{
    public sealed record Command(Guid Id, bool Block, string? Comment) : ICommand<GuestDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("guest", Id);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.Comment).MaximumLength(500);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, LocationContext location, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, GuestDto>
    {
        public async Task<GuestDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var guest = await db.Guests.FirstOrDefaultAsync(g => g.Id == request.Id, cancellationToken)
                ?? throw new NotFoundException("Guest", request.Id);
            if (request.Block && guest.Status == GuestStatus.Blocked)
                throw new DomainException("guest_already_blocked", "The guest is already blocked.");
            if (!request.Block && guest.Status != GuestStatus.Blocked)
                throw new DomainException("guest_not_blocked", "The guest is not blocked.");

            guest.Status = request.Block ? GuestStatus.Blocked : GuestStatus.Active;
            audit.Record(request.Block ? AuditActions.GuestBlocked : AuditActions.GuestUnblocked, "guest", guest.Id,
                new { comment = GuestReadModel.Clean(request.Comment) });

            var activeVisitId = await db.Visits.Where(v => v.GuestId == guest.Id && v.LocationId == location.CurrentId && v.Status == VisitStatus.Active)
                .Select(v => (Guid?)v.Id).FirstOrDefaultAsync(cancellationToken);
            if (activeVisitId is { } visitId) events.Add(new VisitChangedNotification(visitId));
            var today = await VenueCalendar.TodayAsync(location, time, cancellationToken);
            return GuestReadModel.ToDto(guest, activeVisitId, today, (await location.PoliciesAsync(cancellationToken)).LegalAge);
        }
    }
}
