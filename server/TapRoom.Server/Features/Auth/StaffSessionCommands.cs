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

/// <summary>One session was signed out (committed): on every instance, drop it from the cache and close its live connections.</summary>
public sealed record StaffSessionEndedNotification(Guid SessionId) : INotification;

public sealed class EndStaffSessionsHandler(InstanceBus bus)
    : INotificationHandler<StaffSessionsEndedNotification>, INotificationHandler<StaffSessionEndedNotification>
{
    public Task Handle(StaffSessionsEndedNotification notification, CancellationToken cancellationToken) =>
        bus.PublishAsync(new InstanceMessage(InstanceMessage.StaffSessionsEnded, notification.StaffUserId));

    public Task Handle(StaffSessionEndedNotification notification, CancellationToken cancellationToken) =>
        bus.PublishAsync(new InstanceMessage(InstanceMessage.StaffSessionEnded, notification.SessionId));
}

public sealed class EndStaffSessionsOnThisInstance(StaffSessionCache cache, StaffConnections connections, ILogger<EndStaffSessionsOnThisInstance> log)
    : IInstanceMessageHandler
{
    public void Handle(InstanceMessage message)
    {
        if (message.Kind == InstanceMessage.StaffSessionsEnded)
        {
            cache.Invalidate(message.Id);
            var aborted = connections.AbortAll(message.Id);
            if (aborted > 0) log.LogInformation("Closed {Count} dashboard connections of staff user {StaffUserId}", aborted, message.Id);
        }
        else if (message.Kind == InstanceMessage.StaffSessionEnded)
        {
            cache.InvalidateSession(message.Id);
            var aborted = connections.AbortSession(message.Id);
            if (aborted > 0) log.LogInformation("Closed {Count} dashboard connections of a signed-out session", aborted);
        }
    }
}

internal static class StaffUserChanges
{
    public static async Task<StaffUser> FindAsync(TapRoomDbContext db, Guid id, CancellationToken ct) =>
        await db.StaffUsers.Include(u => u.Locations).FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw new NotFoundException("Staff user", id);

    public static void EndSessions(StaffUser user, DomainEvents events)
    {
        user.EndSessions();
        events.Add(new StaffSessionsEndedNotification(user.Id));
    }

    public static StaffUserDto Dto(StaffUser u) => new(u.Id, u.Login, u.Name, u.Role, u.IsActive, u.Locations.Select(l => l.LocationId).ToList());
}

/// <summary>
/// Sign-out ends this session on the server (a copied cookie of it stops working too); the user's other browsers stay
/// signed in (docs/adr/0081).
/// </summary>
public static class SignOut
{
    public sealed record Command(Guid StaffUserId, Guid SessionId) : ICommand<Done>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("staff_user", StaffUserId);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events, TimeProvider time) : IRequestHandler<Command, Done>
    {
        public async Task<Done> Handle(Command request, CancellationToken cancellationToken)
        {
            var session = await db.StaffSessions.FirstOrDefaultAsync(
                s => s.Id == request.SessionId && s.StaffUserId == request.StaffUserId && s.EndedAt == null, cancellationToken);
            if (session is null) return Done.Value; // already ended: signing out twice is no error
            session.EndedAt = time.GetUtcNow().UtcDateTime;
            events.Add(new StaffSessionEndedNotification(session.Id));
            audit.Record(AuditActions.StaffSignedOut, "staff_user", request.StaffUserId);
            return Done.Value;
        }
    }
}

/// <summary>"Sign out everywhere": every session of the user ends, in every browser, as a password change does.</summary>
public static class SignOutEverywhere
{
    public sealed record Command(Guid StaffUserId) : ICommand<Done>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("staff_user", StaffUserId);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events, TimeProvider time) : IRequestHandler<Command, Done>
    {
        public async Task<Done> Handle(Command request, CancellationToken cancellationToken)
        {
            var user = await StaffUserChanges.FindAsync(db, request.StaffUserId, cancellationToken);
            StaffUserChanges.EndSessions(user, events);
            var now = time.GetUtcNow().UtcDateTime;
            foreach (var session in await db.StaffSessions.Where(s => s.StaffUserId == user.Id && s.EndedAt == null).ToListAsync(cancellationToken))
                session.EndedAt = now;
            audit.Record(AuditActions.StaffSignedOutEverywhere, "staff_user", user.Id);
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
