using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Auth;

/// <summary>
/// Checks a login and password and starts a session (<see cref="StaffSession"/>, its id goes into the cookie). The
/// refusal is the same whether the user exists or not. The user's dead sessions (signed out, or unused for longer than
/// a cookie lives) are deleted on the way, so the table holds about one row per browser in use.
/// </summary>
public static class SignIn
{
    public sealed record Result(StaffUserDto User, Guid SessionId);

    public sealed record Command(string Login, string Password) : ICommand<Result>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("staff_user", null);
        public override string ToString() => $"SignIn {{ Login = {Login} }}";
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Login).NotEmpty().MaximumLength(64);
            RuleFor(x => x.Password).NotEmpty().MaximumLength(256);
        }
    }

    public sealed class Handler(TapRoomDbContext db, HashingPasswordHasher hasher, AuditTrail audit, CurrentActor actor, TimeProvider time)
        : IRequestHandler<Command, Result>
    {
        // Verifying against a real hash when the user does not exist keeps the timing the same.
        private static readonly string DummyHash = new HashingPasswordHasher().Hash(Guid.NewGuid().ToString());

        public async Task<Result> Handle(Command request, CancellationToken cancellationToken)
        {
            var user = await db.StaffUsers.FirstOrDefaultAsync(u => u.Login == request.Login, cancellationToken);
            var ok = hasher.Verify(user?.PasswordHash ?? DummyHash, request.Password);
            if (user is null || !ok || !user.IsActive)
            {
                throw new DomainException("invalid_credentials", "The login or the password is wrong.", StatusCodes.Status401Unauthorized);
            }
            actor.Value = new Actor(ActorKind.Staff, user.Id, user.Name, user.Role);
            var now = time.GetUtcNow().UtcDateTime;
            var idleSince = now - StaffSession.IdleLifetime;
            db.StaffSessions.RemoveRange(await db.StaffSessions
                .Where(s => s.StaffUserId == user.Id && (s.EndedAt != null || s.LastSeenAt < idleSince)).ToListAsync(cancellationToken));
            var session = new StaffSession { Id = Guid.NewGuid(), StaffUserId = user.Id, CreatedAt = now, LastSeenAt = now };
            db.StaffSessions.Add(session);
            audit.Record("staff_user.signed_in", "staff_user", user.Id);
            return new Result(new StaffUserDto(user.Id, user.Login, user.Name, user.Role), session.Id);
        }
    }
}
