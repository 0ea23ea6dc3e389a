using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Locations;

/// <summary>The venues the user may see (<see cref="VenueAccess"/>), oldest first.</summary>
public static class ListLocations
{
    public sealed record Query : IQuery<IReadOnlyList<LocationDto>>;

    public sealed class Handler(TapRoomDbContext db, VenueAccess access) : IRequestHandler<Query, IReadOnlyList<LocationDto>>
    {
        public async Task<IReadOnlyList<LocationDto>> Handle(Query request, CancellationToken ct)
        {
            var visible = await access.VisibleAsync(ct);
            return (await Ordered(db).Where(l => visible.Contains(l.Id)).ToListAsync(ct)).Select(GetLocation.ToDto).ToList();
        }
    }

    /// <summary>The venues as GET /api/auth/me and the sign-in list them for a user: an admin's are all of them.</summary>
    public static async Task<IReadOnlyList<LocationRefDto>> RefsAsync(TapRoomDbContext db, Guid userId, StaffRole role, CancellationToken ct) =>
        await Ordered(db).Where(l => role == StaffRole.Admin || db.StaffLocations.Any(m => m.StaffUserId == userId && m.LocationId == l.Id))
            .Select(l => new LocationRefDto(l.Id, l.Slug, l.Name)).ToListAsync(ct);

    private static IQueryable<Location> Ordered(TapRoomDbContext db) => db.Locations.AsNoTracking().OrderBy(l => l.CreatedAt).ThenBy(l => l.Name);
}

/// <summary>One venue by id (404 when there is none).</summary>
public static class GetLocationById
{
    public sealed record Query(Guid Id) : IQuery<LocationDto>;

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, LocationDto>
    {
        public async Task<LocationDto> Handle(Query request, CancellationToken ct) =>
            GetLocation.ToDto(await db.Locations.AsNoTracking().FirstOrDefaultAsync(l => l.Id == request.Id, ct)
                              ?? throw new NotFoundException("Location", request.Id));
    }
}
