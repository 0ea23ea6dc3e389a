using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Auth;

/// <summary>Which venues a staff member or manager belongs to (an admin runs the chain and belongs to none).</summary>
public static class StaffVenues
{
    /// <summary>
    /// The venues to give a user of <paramref name="role"/>: none for an admin; the ones asked for, each of which must exist;
    /// the only venue when none is asked for and the chain has one.
    /// </summary>
    public static async Task<List<Guid>> ChooseAsync(TapRoomDbContext db, StaffRole role, IReadOnlyList<Guid>? asked, CancellationToken ct)
    {
        if (role == StaffRole.Admin) return [];
        var all = await db.Locations.AsNoTracking().OrderBy(l => l.CreatedAt).Select(l => l.Id).ToListAsync(ct);
        if (asked is null || asked.Count == 0)
        {
            if (all.Count == 1) return all;
            throw new DomainException("location_required", "Staff and managers work at one or more venues: give locationIds.", StatusCodes.Status400BadRequest);
        }
        var unknown = asked.Where(id => !all.Contains(id)).ToList();
        if (unknown.Count > 0) throw new DomainException("unknown_location", $"There is no venue {unknown[0]}.", StatusCodes.Status400BadRequest);
        return asked.Distinct().ToList();
    }
}

/// <summary>An admin changes the venues a staff member or manager works at; their sessions end, so every browser sees the change.</summary>
public static class ChangeStaffLocations
{
    public sealed record Command(Guid StaffUserId, IReadOnlyList<Guid> LocationIds) : ICommand<StaffUserDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("staff_user", StaffUserId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.LocationIds).NotNull().Must(l => l.Count is >= 1 and <= 100).WithMessage("Give one to 100 venues.");
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, StaffUserDto>
    {
        public async Task<StaffUserDto> Handle(Command request, CancellationToken ct)
        {
            var user = await StaffUserChanges.FindAsync(db, request.StaffUserId, ct);
            if (user.Role == StaffRole.Admin)
                throw new DomainException("admin_runs_the_chain", "An admin runs every venue; venues are for staff and managers.", StatusCodes.Status400BadRequest);
            var venues = await StaffVenues.ChooseAsync(db, user.Role, request.LocationIds, ct);
            var from = user.Locations.Select(l => l.LocationId).ToList();
            if (from.Order().SequenceEqual(venues.Order())) return StaffUserChanges.Dto(user);
            user.Locations.RemoveAll(l => !venues.Contains(l.LocationId));
            user.Locations.AddRange(venues.Where(v => !from.Contains(v)).Select(v => new StaffLocation { StaffUserId = user.Id, LocationId = v }));
            StaffUserChanges.EndSessions(user, events);
            audit.Record(AuditActions.StaffLocationsChanged, "staff_user", user.Id, new { from, to = venues });
            return StaffUserChanges.Dto(user);
        }
    }
}
