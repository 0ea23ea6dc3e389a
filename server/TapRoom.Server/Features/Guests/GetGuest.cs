using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Guests;

/// <summary>A guest with the cards bound to them and all their visits, newest first.</summary>
public static class GetGuest
{
    public sealed record Query(Guid Id) : IQuery<GuestDetailDto>;

    public sealed class Handler(TapRoomDbContext db, LocationContext location, VenueAccess access, TimeProvider time) : IRequestHandler<Query, GuestDetailDto>
    {
        public async Task<GuestDetailDto> Handle(Query request, CancellationToken cancellationToken)
        {
            var today = await VenueCalendar.TodayAsync(location, time, cancellationToken);
            var legalAge = (await location.PoliciesAsync(cancellationToken)).LegalAge;
            var guest = (await GuestReadModel.ListAsync(db, db.Guests.Where(g => g.Id == request.Id), today, legalAge, (await location.GetAsync(cancellationToken)).Id, cancellationToken))
                .SingleOrDefault() ?? throw new NotFoundException("Guest", request.Id);
            var cards = await db.Cards.AsNoTracking().Where(c => c.GuestId == request.Id).OrderByDescending(c => c.CreatedAt)
                .Select(c => new CardDto(c.Id, c.Uid, c.Status, c.GuestId, c.CreatedAt)).ToListAsync(cancellationToken);
            // The guest's visits at the venues the user may see; another venue's stay is none of their business.
            var venues = await access.VisibleAsync(cancellationToken);
            var visits = await ReadModels.VisitsAsync(db, db.Visits.Where(v => v.GuestId == request.Id && venues.Contains(v.LocationId)), cancellationToken);
            return new GuestDetailDto(guest, cards, visits);
        }
    }
}
