using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Shifts;

/// <summary>Staff join an open shift themselves; a manager may add someone else.</summary>
public static class JoinShift
{
    public sealed record Command(Guid ShiftId, Guid? StaffUserId) : ICommand<ShiftDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("shift", ShiftId);
    }

    public sealed class Handler(TapRoomDbContext db, CurrentActor actor, AuditTrail audit, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, ShiftDto>
    {
        public async Task<ShiftDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var me = await ShiftRules.RequireStaffUserAsync(db, actor.Value, cancellationToken);
            var shift = await ShiftRules.LoadOpenAsync(db, request.ShiftId, cancellationToken);
            var userId = request.StaffUserId ?? me.Id;
            if (userId != me.Id && !me.HasAtLeast(StaffRole.Manager))
                throw new ForbiddenException("Only a manager can add someone else to the shift.");
            var user = await db.StaffUsers.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken)
                ?? throw new NotFoundException("Staff user", userId);
            if (!user.IsActive) throw new DomainException("staff_user_inactive", $"{user.Name} is deactivated and cannot join a shift.");
            if (shift.Members.Any(m => m.StaffUserId == userId && m.LeftAt is null))
                throw new DomainException("already_on_shift", $"{user.Name} is already on this shift.");

            var now = time.GetUtcNow().UtcDateTime;
            db.ShiftMembers.Add(new ShiftMember { Id = Guid.NewGuid(), ShiftId = shift.Id, StaffUserId = user.Id, Role = user.Role, JoinedAt = now });
            audit.Record(AuditActions.ShiftMemberJoined, "shift", shift.Id, new { staffUserId = user.Id, user.Name, user.Role, addedBy = userId == me.Id ? null : me.Name });
            events.Add(new ShiftChangedNotification(shift.Id));
            await db.SaveChangesAsync(cancellationToken); // the transaction is still open; the response reads the new member
            return (await ReadModels.ShiftAsync(db, shift.Id, cancellationToken))!;
        }
    }
}

/// <summary>Staff leave an open shift; a manager may sign someone else out of it.</summary>
public static class LeaveShift
{
    public sealed record Command(Guid ShiftId, Guid StaffUserId) : ICommand<ShiftDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("shift", ShiftId);
    }

    public sealed class Handler(TapRoomDbContext db, CurrentActor actor, AuditTrail audit, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, ShiftDto>
    {
        public async Task<ShiftDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var me = await ShiftRules.RequireStaffUserAsync(db, actor.Value, cancellationToken);
            var shift = await ShiftRules.LoadOpenAsync(db, request.ShiftId, cancellationToken);
            if (request.StaffUserId != me.Id && !me.HasAtLeast(StaffRole.Manager))
                throw new ForbiddenException("Only a manager can take someone else off the shift.");
            var member = shift.Members.FirstOrDefault(m => m.StaffUserId == request.StaffUserId && m.LeftAt is null)
                ?? throw new DomainException("not_on_shift", "This staff user is not on the shift.");

            member.LeftAt = time.GetUtcNow().UtcDateTime;
            audit.Record(AuditActions.ShiftMemberLeft, "shift", shift.Id, new { staffUserId = member.StaffUserId, removedBy = request.StaffUserId == me.Id ? null : me.Name });
            events.Add(new ShiftChangedNotification(shift.Id));
            await db.SaveChangesAsync(cancellationToken);
            return (await ReadModels.ShiftAsync(db, shift.Id, cancellationToken))!;
        }
    }
}
