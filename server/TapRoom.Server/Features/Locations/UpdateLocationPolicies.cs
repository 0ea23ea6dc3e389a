using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Locations;

/// <summary>
/// A manager changes the venue's policies that are meant to be switched during operation (for now: whether the desk
/// may move money with no open shift). A field left out keeps its value; each change is audited with from and to.
/// </summary>
public static class UpdateLocationPolicies
{
    public sealed record Body(bool? DeskMoneyWithoutOpenShift, int? ReorderLeadDays = null);

    public sealed record Command(bool? DeskMoneyWithoutOpenShift, int? ReorderLeadDays = null) : ICommand<LocationDto>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x).Must(x => x.DeskMoneyWithoutOpenShift is not null || x.ReorderLeadDays is not null)
                .WithMessage("Name at least one policy to change: deskMoneyWithoutOpenShift, reorderLeadDays.");
            RuleFor(x => x.ReorderLeadDays).InclusiveBetween(0, 90);
        }
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, LocationContext venue) : IRequestHandler<Command, LocationDto>
    {
        public async Task<LocationDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var venueId = (await venue.GetAsync(cancellationToken)).Id;
            var location = await db.Locations.FirstAsync(l => l.Id == venueId, cancellationToken);
            if (request.DeskMoneyWithoutOpenShift is { } to && location.Policies.DeskMoneyWithoutOpenShift != to)
            {
                var from = location.Policies.DeskMoneyWithoutOpenShift;
                location.Policies.DeskMoneyWithoutOpenShift = to;
                audit.Record(AuditActions.LocationPoliciesChanged, "location", location.Id, new { deskMoneyWithoutOpenShift = new { from, to } });
            }
            if (request.ReorderLeadDays is { } days && location.Policies.ReorderLeadDays != days)
            {
                var from = location.Policies.ReorderLeadDays;
                location.Policies.ReorderLeadDays = days;
                audit.Record(AuditActions.LocationPoliciesChanged, "location", location.Id, new { reorderLeadDays = new { from, to = days } });
            }
            return GetLocation.ToDto(location);
        }
    }
}
