using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Shifts;

/// <summary>A manager opens the location's shift and joins it. One open shift per location (UX_Shifts_OpenPerLocation).</summary>
public static class OpenShift
{
    public sealed record Command(Guid? LocationId = null) : ICommand<ShiftDto>;

    /// <summary>Which venue's shift to open; optional for a manager of one venue.</summary>
    public sealed record Body(Guid? LocationId);

    public sealed class Handler(TapRoomDbContext db, VenueAccess access, CurrentActor actor, AuditTrail audit, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, ShiftDto>
    {
        public async Task<ShiftDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var staff = await ShiftRules.RequireStaffUserAsync(db, actor.Value, cancellationToken);
            if (!staff.HasAtLeast(StaffRole.Manager)) throw new ForbiddenException("Only a manager can open a shift.");
            var locationId = await access.ChooseAsync(request.LocationId, cancellationToken);
            var open = await db.Shifts.AsNoTracking().Where(s => s.LocationId == locationId && s.Status == ShiftStatus.Open)
                .Select(s => (Guid?)s.Id).FirstOrDefaultAsync(cancellationToken);
            if (open is not null)
                throw new DomainException("shift_already_open", "A shift is already open at this location; join it or close it first.",
                    details: new { shiftId = open });

            var now = time.GetUtcNow().UtcDateTime;
            var shift = new Shift { Id = Guid.NewGuid(), LocationId = locationId, OpenedAt = now, OpenedBy = staff.Name };
            shift.Members.Add(new ShiftMember { Id = Guid.NewGuid(), ShiftId = shift.Id, StaffUserId = staff.Id, Role = staff.Role, JoinedAt = now });
            db.Shifts.Add(shift);
            audit.Record(AuditActions.ShiftOpened, "shift", shift.Id, new { openedBy = staff.Name });
            audit.Record(AuditActions.ShiftMemberJoined, "shift", shift.Id, new { staffUserId = staff.Id, staff.Name, staff.Role });
            events.Add(new ShiftChangedNotification(shift.Id));
            return new ShiftDto(shift.Id, shift.Status, shift.OpenedAt, shift.OpenedBy, null, null,
                [new ShiftMemberDto(staff.Id, staff.Name, staff.Role, now, null)], locationId);
        }
    }
}
