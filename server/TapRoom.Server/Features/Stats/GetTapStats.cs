using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Stats;

/// <summary>
/// Each tap's totals tonight (since the open shift began, or since midnight of the location's day without one): pours
/// and litres that were taken off the keg, revenue from the ledger's pour charges; and its volume per 5-minute slot of
/// the last hour for a sparkline.
/// </summary>
public static class GetTapStats
{
    public const int SlotMinutes = 5;
    public const int Slots = 12;

    public sealed record Query : IQuery<TapStatsDto>;

    public sealed class Handler(TapRoomDbContext db, LocationContext location, TimeProvider time) : IRequestHandler<Query, TapStatsDto>
    {
        public async Task<TapStatsDto> Handle(Query request, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var venue = await location.GetAsync(cancellationToken);
            var zone = Domain.Location.FindTimeZone(venue.TimeZone);
            var since = await StatsFacts.NightStartAsync(db, venue.Id, StatsFacts.DayStart(now, zone), cancellationToken);
            var hourAgo = now.AddMinutes(-SlotMinutes * Slots);

            var taps = await db.Taps.AsNoTracking().Where(t => t.LocationId == venue.Id).OrderBy(t => t.Number).Select(t => new { t.Id, t.Number, t.Name }).ToListAsync(cancellationToken);
            var pours = await StatsFacts.DrainedSinceAsync(db, venue.Id, since < hourAgo ? since : hourAgo, null, cancellationToken);
            var charges = await db.Ledger.AsNoTracking()
                .Where(e => e.Kind == LedgerKind.PourCharge && e.At >= since && e.PourSessionId != null && db.Visits.Any(v => v.Id == e.VisitId && v.LocationId == venue.Id))
                .Join(db.PourSessions, e => e.PourSessionId, p => p.Id, (e, p) => new { p.TapId, e.Amount })
                .ToListAsync(cancellationToken);

            var lines = taps.Select(t =>
            {
                var tonight = pours.Where(p => p.TapId == t.Id && p.At >= since).ToList();
                var slots = new int[Slots];
                foreach (var p in pours.Where(p => p.TapId == t.Id && p.At >= hourAgo && p.At <= now))
                    slots[Math.Min(Slots - 1, (int)((p.At - hourAgo).TotalMinutes / SlotMinutes))] += p.VolumeMl;
                return new TapTotalsDto(t.Id, t.Number, t.Name, tonight.Count, tonight.Sum(p => p.VolumeMl),
                    -charges.Where(c => c.TapId == t.Id).Sum(c => c.Amount), slots);
            }).ToList();
            return new TapStatsDto(venue.TimeZone, venue.Currency, since, now, SlotMinutes, lines);
        }
    }
}
