using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Shifts;

public static class GetShift
{
    public sealed record Query(Guid ShiftId) : IQuery<ShiftDto>;

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, ShiftDto>
    {
        public async Task<ShiftDto> Handle(Query request, CancellationToken cancellationToken) =>
            await ReadModels.ShiftAsync(db, request.ShiftId, cancellationToken) ?? throw new NotFoundException("Shift", request.ShiftId);
    }
}

/// <summary>The location's open shift; <c>no_open_shift</c> (404) when there is none.</summary>
public static class GetCurrentShift
{
    public sealed record Query : IQuery<ShiftDto>;

    public sealed class Handler(TapRoomDbContext db, LocationContext location) : IRequestHandler<Query, ShiftDto>
    {
        public async Task<ShiftDto> Handle(Query request, CancellationToken cancellationToken)
        {
            var locationId = (await location.GetAsync(cancellationToken)).Id;
            var id = await db.Shifts.AsNoTracking().Where(s => s.LocationId == locationId && s.Status == ShiftStatus.Open)
                .Select(s => (Guid?)s.Id).FirstOrDefaultAsync(cancellationToken)
                ?? throw new DomainException("no_open_shift", "No shift is open.", StatusCodes.Status404NotFound);
            return (await ReadModels.ShiftAsync(db, id, cancellationToken))!;
        }
    }
}

/// <summary>The latest shifts, newest first, to find the reports of closed ones.</summary>
public static class ListShifts
{
    public const int MaxTake = 200;

    public sealed record Query(int Take = 50, Guid? LocationId = null) : IQuery<IReadOnlyList<ShiftDto>>;

    /// <summary>A negative or absurd <c>take</c> is refused, not clamped.</summary>
    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => RuleFor(x => x.Take).InclusiveBetween(1, MaxTake);
    }

    public sealed class Handler(TapRoomDbContext db, VenueAccess access) : IRequestHandler<Query, IReadOnlyList<ShiftDto>>
    {
        public async Task<IReadOnlyList<ShiftDto>> Handle(Query request, CancellationToken cancellationToken)
        {
            var venues = await access.ScopeAsync(request.LocationId, cancellationToken);
            var ids = await db.Shifts.AsNoTracking().Where(s => venues.Contains(s.LocationId)).OrderByDescending(s => s.OpenedAt).Take(request.Take).Select(s => s.Id).ToListAsync(cancellationToken);
            var result = new List<ShiftDto>(ids.Count);
            foreach (var id in ids)
                if (await ReadModels.ShiftAsync(db, id, cancellationToken) is { } dto) result.Add(dto);
            return result;
        }
    }
}
