using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Auth;

public static class CreateStaffUser
{
    public sealed record Command(string Login, string Name, string Password, StaffRole Role) : ICommand<StaffUserDto>
    {
        public override string ToString() => $"CreateStaffUser {{ Login = {Login}, Role = {Role} }}";
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Login).NotEmpty().MaximumLength(64).Matches("^[A-Za-z0-9._-]+$");
            RuleFor(x => x.Name).NotEmpty().MaximumLength(200).SingleLine();
            RuleFor(x => x.Password).NotEmpty().MinimumLength(8).MaximumLength(256);
            RuleFor(x => x.Role).IsInEnum();
        }
    }

    public sealed class Handler(TapRoomDbContext db, HashingPasswordHasher hasher, AuditTrail audit, TimeProvider time)
        : IRequestHandler<Command, StaffUserDto>
    {
        public async Task<StaffUserDto> Handle(Command request, CancellationToken cancellationToken)
        {
            if (await db.StaffUsers.AnyAsync(u => u.Login == request.Login, cancellationToken))
                throw new DomainException("login_taken", $"The login '{request.Login}' is taken.");
            var user = new StaffUser
            {
                Id = Guid.NewGuid(),
                Login = request.Login,
                Name = request.Name,
                Role = request.Role,
                PasswordHash = hasher.Hash(request.Password),
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            db.StaffUsers.Add(user);
            audit.Record("staff_user.created", "staff_user", user.Id, new { user.Login, user.Role });
            return new StaffUserDto(user.Id, user.Login, user.Name, user.Role);
        }
    }
}

public static class ListStaffUsers
{
    public sealed record Query : IQuery<IReadOnlyList<StaffUserDto>>;

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, IReadOnlyList<StaffUserDto>>
    {
        public async Task<IReadOnlyList<StaffUserDto>> Handle(Query request, CancellationToken cancellationToken) =>
            await db.StaffUsers.AsNoTracking().OrderBy(u => u.Login)
                .Select(u => new StaffUserDto(u.Id, u.Login, u.Name, u.Role, u.IsActive)).ToListAsync(cancellationToken);
    }
}
