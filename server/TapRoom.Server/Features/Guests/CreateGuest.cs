using FluentValidation;
using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Guests;

public static class CreateGuest
{
    public sealed record Command(string Name, string? Phone, string? Email, DateOnly? DateOfBirth) : ICommand<GuestDto>, IGuestFields;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator(TimeProvider time) => Include(new GuestFieldsValidator(time));
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, LocationContext location, TimeProvider time)
        : IRequestHandler<Command, GuestDto>
    {
        public async Task<GuestDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var guest = new Guest
            {
                Id = Guid.NewGuid(),
                Name = request.Name.Trim(),
                Phone = GuestReadModel.Clean(request.Phone),
                Email = GuestReadModel.Clean(request.Email),
                DateOfBirth = request.DateOfBirth!.Value,
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            db.Guests.Add(guest);
            audit.Record(AuditActions.GuestCreated, "guest", guest.Id, new { guest.Name, guest.Phone, guest.Email, guest.DateOfBirth });
            var today = await VenueCalendar.TodayAsync(location, time, cancellationToken);
            return GuestReadModel.ToDto(guest, null, today, (await location.PoliciesAsync(cancellationToken)).LegalAge);
        }
    }
}
