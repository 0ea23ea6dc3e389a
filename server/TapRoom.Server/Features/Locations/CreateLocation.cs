using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Locations;

/// <summary>An admin adds a venue with the default policies (CONTRACT.md "Venues": <c>POST /api/locations</c>).</summary>
public static class CreateLocation
{
    public sealed record Command(string Name, string Slug, string Currency, string TimeZone) : ICommand<LocationDto>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Name).NotEmpty().MaximumLength(200).SingleLine();
            RuleFor(x => x.Slug).NotEmpty().Matches(Location.SlugPattern())
                .WithMessage("A slug is 2 to 40 lower-case letters, digits and hyphens (taproom-mitte).");
            RuleFor(x => x.Currency).NotEmpty().Matches("^[A-Z]{3}$").WithMessage("A currency is an ISO 4217 code (EUR).");
            RuleFor(x => x.TimeZone).NotEmpty().MaximumLength(64)
                .Must(z => TimeZoneInfo.TryFindSystemTimeZoneById(z ?? "", out _)).WithMessage("Name a time zone this server knows (Europe/Berlin).");
        }
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, TimeProvider time) : IRequestHandler<Command, LocationDto>
    {
        public async Task<LocationDto> Handle(Command request, CancellationToken cancellationToken)
        {
            if (await db.Locations.AnyAsync(l => l.Slug == request.Slug, cancellationToken))
                throw new DomainException("slug_taken", $"Another venue has the slug '{request.Slug}'.");
            var location = new Location
            {
                Id = Guid.NewGuid(),
                Name = request.Name.Trim(),
                Slug = request.Slug,
                Currency = request.Currency,
                TimeZone = request.TimeZone,
                CreatedAt = time.GetUtcNow().UtcDateTime,
                EquipmentChecklist = [.. DefaultEquipmentChecklist.Items],
            };
            db.Locations.Add(location);
            audit.Record(AuditActions.LocationCreated, "location", location.Id, new { location.Name, location.Slug });
            return GetLocation.ToDto(location);
        }
    }
}
