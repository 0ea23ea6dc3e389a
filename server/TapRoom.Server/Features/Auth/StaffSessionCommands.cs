using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Auth;

/// <summary>
/// A staff user's sessions ended (new security stamp committed): on every instance (<see cref="InstanceBus"/>), drop the
/// cached stamp so the next request with an old cookie is refused, and close the user's live dashboard connections.
/// </summary>
public sealed record StaffSessionsEndedNotification(Guid StaffUserId) : INotification;

public sealed class EndStaffSessionsHandler(InstanceBus bus) : INotificationHandler<StaffSessionsEndedNotification>
{
    public Task Handle(StaffSessionsEndedNotification notification, CancellationToken cancellationToken) =>
        bus.PublishAsync(new InstanceMessage(InstanceMessage.StaffSessionsEnded, notification.StaffUserId));
}

public sealed class EndStaffSessionsOnThisInstance(StaffSessionCache cache, StaffConnections connections, ILogger<EndStaffSessionsOnThisInstance> log)
    : IInstanceMessageHandler
{
    public void Handle(InstanceMessage message)
    {
        if (message.Kind != InstanceMessage.StaffSessionsEnded) return;
        cache.Invalidate(message.Id);
        var aborted = connections.AbortAll(message.Id);
        if (aborted > 0) log.LogInformation("Closed {Count} dashboard connections of staff user {StaffUserId}", aborted, message.Id);
    }
}

internal static class StaffUserChanges
{
    public static async Task<StaffUser> FindAsync(TapRoomDbContext db, Guid id, CancellationToken ct) =>
        await db.StaffUsers.FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw new NotFoundException("Staff user", id);

    public static void EndSessions(StaffUser user, DomainEvents events)
    {
        user.EndSessions();
        events.Add(new StaffSessionsEndedNotification(user.Id));
    }

    public static StaffUserDto Dto(StaffUser u) => new(u.Id, u.Login, u.Name, u.Role, u.IsActive);
}

/// <summary>Sign-out ends every session of the user on the server, not only the cookie of this browser.</summary>
public static class SignOut
{
    public sealed record Command(Guid StaffUserId) : ICommand<Done>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("staff_user", StaffUserId);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, Done>
    {
        public async Task<Done> Handle(Command request, CancellationToken cancellationToken)
        {
            var user = await StaffUserChanges.FindAsync(db, request.StaffUserId, cancellationToken);
            StaffUserChanges.EndSessions(user, events);
            audit.Record(AuditActions.StaffSignedOut, "staff_user", user.Id);
            return Done.Value;
        }
    }
}

/// <summary>A signed-in user changes their own password; every other session of theirs ends.</summary>
public static class ChangePassword
{
    public sealed record Command(Guid StaffUserId, string CurrentPassword, string NewPassword) : ICommand<StaffUserDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("staff_user", StaffUserId);
        public override string ToString() => $"ChangePassword {{ StaffUserId = {StaffUserId} }}";
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.CurrentPassword).NotEmpty().MaximumLength(256);
            RuleFor(x => x.NewPassword).NotEmpty().MinimumLength(8).MaximumLength(256);
        }
    }

    public sealed class Handler(TapRoomDbContext db, HashingPasswordHasher hasher, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, StaffUserDto>
    {
        public async Task<StaffUserDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var user = await StaffUserChanges.FindAsync(db, request.StaffUserId, cancellationToken);
            if (!hasher.Verify(user.PasswordHash, request.CurrentPassword))
                throw new DomainException("invalid_credentials", "The current password is wrong.", StatusCodes.Status400BadRequest);
            user.PasswordHash = hasher.Hash(request.NewPassword);
            StaffUserChanges.EndSessions(user, events);
            audit.Record(AuditActions.StaffPasswordChanged, "staff_user", user.Id);
            return StaffUserChanges.Dto(user);
        }
    }
}

/// <summary>An admin changes a user's role; the user's sessions end (they sign in again with the new role).</summary>
public static class ChangeStaffRole
{
    public sealed record Command(Guid StaffUserId, StaffRole Role) : ICommand<StaffUserDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("staff_user", StaffUserId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.Role).IsInEnum();
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events, CurrentActor actor) : IRequestHandler<Command, StaffUserDto>
    {
        public async Task<StaffUserDto> Handle(Command request, CancellationToken cancellationToken)
        {
            if (actor.Value.Id == request.StaffUserId)
                throw new DomainException("own_account", "Admins cannot change their own role; another admin has to.");
            var user = await StaffUserChanges.FindAsync(db, request.StaffUserId, cancellationToken);
            if (user.Role == request.Role) return StaffUserChanges.Dto(user);
            var from = user.Role;
            user.Role = request.Role;
            StaffUserChanges.EndSessions(user, events);
            audit.Record(AuditActions.StaffRoleChanged, "staff_user", user.Id, new { from, to = request.Role });
            return StaffUserChanges.Dto(user);
        }
    }
}

/// <summary>An admin deactivates a user: they can no longer sign in and their sessions end now.</summary>
public static class DeactivateStaffUser
{
    public sealed record Command(Guid StaffUserId) : ICommand<StaffUserDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("staff_user", StaffUserId);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events, CurrentActor actor) : IRequestHandler<Command, StaffUserDto>
    {
        public async Task<StaffUserDto> Handle(Command request, CancellationToken cancellationToken)
        {
            if (actor.Value.Id == request.StaffUserId)
                throw new DomainException("own_account", "Admins cannot deactivate themselves; another admin has to.");
            var user = await StaffUserChanges.FindAsync(db, request.StaffUserId, cancellationToken);
            if (!user.IsActive) return StaffUserChanges.Dto(user);
            user.IsActive = false;
            StaffUserChanges.EndSessions(user, events);
            audit.Record(AuditActions.StaffDeactivated, "staff_user", user.Id, new { user.Login });
            return StaffUserChanges.Dto(user);
        }
    }
}
