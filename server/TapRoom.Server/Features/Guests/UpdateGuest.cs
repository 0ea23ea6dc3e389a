using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Guests;

public static class UpdateGuest
{
    public sealed record Command(Guid Id, string Name, string? Phone, string? Email, DateOnly? DateOfBirth) : ICommand<GuestDto>, IGuestFields, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("guest", Id);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator(TimeProvider time) => Include(new GuestFieldsValidator(time));
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, LocationContext location, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, GuestDto>
    {
        public async Task<GuestDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var guest = await db.Guests.FirstOrDefaultAsync(g => g.Id == request.Id, cancellationToken)
                ?? throw new NotFoundException("Guest", request.Id);
            var before = new { guest.Name, guest.Phone, guest.Email, guest.DateOfBirth };
            guest.Name = request.Name.Trim();
            guest.Phone = GuestReadModel.Clean(request.Phone);
            guest.Email = GuestReadModel.Clean(request.Email);
            guest.DateOfBirth = request.DateOfBirth!.Value;
            audit.Record(AuditActions.GuestUpdated, "guest", guest.Id,
                new { before, after = new { guest.Name, guest.Phone, guest.Email, guest.DateOfBirth } });

            var activeVisitId = await db.Visits.Where(v => v.GuestId == guest.Id && v.LocationId == location.CurrentId && v.Status == VisitStatus.Active)
                .Select(v => (Guid?)v.Id).FirstOrDefaultAsync(cancellationToken);
            // The guest's name shows on the visit; a date of birth changed here does not re-flag an open visit.
            if (activeVisitId is { } visitId) events.Add(new VisitChangedNotification(visitId));
            var today = await VenueCalendar.TodayAsync(location, time, cancellationToken);
            return GuestReadModel.ToDto(guest, activeVisitId, today, (await location.PoliciesAsync(cancellationToken)).LegalAge);
        }
    }
}
