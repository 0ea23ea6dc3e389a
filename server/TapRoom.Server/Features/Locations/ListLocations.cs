using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Locations;

/// <summary>
/// The venues a user may see, oldest first. For now every venue: venue membership (issue 25, item 2) narrows it, and
/// this is the one place it has to.
/// </summary>
public static class ListLocations
{
    public sealed record Query : IQuery<IReadOnlyList<LocationDto>>;

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, IReadOnlyList<LocationDto>>
    {
        public async Task<IReadOnlyList<LocationDto>> Handle(Query request, CancellationToken ct) =>
            (await VisibleTo(db).ToListAsync(ct)).Select(GetLocation.ToDto).ToList();
    }

    /// <summary>The venues as GET /api/auth/me lists them.</summary>
    public static async Task<IReadOnlyList<LocationRefDto>> RefsAsync(TapRoomDbContext db, CancellationToken ct) =>
        await VisibleTo(db).Select(l => new LocationRefDto(l.Id, l.Slug, l.Name)).ToListAsync(ct);

    internal static IQueryable<Location> VisibleTo(TapRoomDbContext db) => db.Locations.AsNoTracking().OrderBy(l => l.CreatedAt).ThenBy(l => l.Name);
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
