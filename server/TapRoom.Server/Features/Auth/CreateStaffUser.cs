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
    /// <param name="LocationIds">The venues a staff member or manager works at; optional while the chain has one venue.</param>
    public sealed record Command(string Login, string Name, string Password, StaffRole Role, IReadOnlyList<Guid>? LocationIds = null) : ICommand<StaffUserDto>
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
            RuleFor(x => x.LocationIds).Must(l => l is null || l.Count <= 100).WithMessage("At most 100 venues.");
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
            var venues = await StaffVenues.ChooseAsync(db, request.Role, request.LocationIds, cancellationToken);
            user.Locations.AddRange(venues.Select(v => new StaffLocation { StaffUserId = user.Id, LocationId = v }));
            audit.Record("staff_user.created", "staff_user", user.Id, new { user.Login, user.Role, locationIds = venues });
            return new StaffUserDto(user.Id, user.Login, user.Name, user.Role, true, venues);
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
                .Select(u => new StaffUserDto(u.Id, u.Login, u.Name, u.Role, u.IsActive, u.Locations.Select(l => l.LocationId).ToList())).ToListAsync(cancellationToken);
    }
}
