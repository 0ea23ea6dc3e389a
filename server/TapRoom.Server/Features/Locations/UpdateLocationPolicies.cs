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
    public sealed record Body(bool? DeskMoneyWithoutOpenShift);

    public sealed record Command(bool? DeskMoneyWithoutOpenShift) : ICommand<LocationDto>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.DeskMoneyWithoutOpenShift).NotNull().WithMessage("Name at least one policy to change: deskMoneyWithoutOpenShift.");
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, LocationContext venue) : IRequestHandler<Command, LocationDto>
    {
        public async Task<LocationDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var venueId = (await venue.GetAsync(cancellationToken)).Id;
            var location = await db.Locations.FirstAsync(l => l.Id == venueId, cancellationToken);
            var from = location.Policies.DeskMoneyWithoutOpenShift;
            var to = request.DeskMoneyWithoutOpenShift!.Value;
            if (from != to)
            {
                location.Policies.DeskMoneyWithoutOpenShift = to;
                audit.Record(AuditActions.LocationPoliciesChanged, "location", location.Id, new { deskMoneyWithoutOpenShift = new { from, to } });
            }
            return GetLocation.ToDto(location);
        }
    }
}
