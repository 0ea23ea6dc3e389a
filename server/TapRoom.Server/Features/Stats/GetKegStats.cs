using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Stats;

/// <summary>
/// The kegs' night: each connected keg's level since the night began (worked back from its remaining volume through
/// the pours and flushes that drained it), a forecast at tonight's rate, and the warehouse by beer and age.
/// </summary>
public static class GetKegStats
{
    public static readonly IReadOnlyList<string> AgeBuckets = ["under 1 week", "1–2 weeks", "2–4 weeks", "over 4 weeks"];
    private static readonly int[] BucketDays = [7, 14, 28];

    public sealed record Query : IQuery<KegStatsDto>;

    public sealed class Handler(TapRoomDbContext db, LocationContext location, TimeProvider time) : IRequestHandler<Query, KegStatsDto>
    {
        public async Task<KegStatsDto> Handle(Query request, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var venue = await location.GetAsync(cancellationToken);
            var since = await StatsFacts.NightStartAsync(db, venue.Id, now.AddHours(-12), cancellationToken);

            var kegs = await db.Kegs.AsNoTracking().Where(k => k.Status == KegStatus.Connected && k.TapId != null && k.LocationId == venue.Id)
                .Join(db.Taps, k => k.TapId, t => t.Id, (k, t) => new
                {
                    k.Id, k.BeerTypeId, BeerName = k.BeerType!.Name, TapId = t.Id, t.Number, TapName = t.Name, k.NominalVolumeMl,
                    k.RemainingVolumeMl, k.ConnectedAt,
                })
                .ToListAsync(cancellationToken);
            kegs = kegs.OrderBy(k => k.Number).ToList();
            var ids = kegs.Select(k => k.Id).ToList();
            var pours = await StatsFacts.DrainedSinceAsync(db, venue.Id, since, ids, cancellationToken);
            var flushes = await StatsFacts.FlushesSinceAsync(db, since, cancellationToken);

            var connected = kegs.Select(k =>
            {
                var start = k.ConnectedAt is { } c && c > since ? c : since;
                var kegPours = pours.Where(p => p.KegId == k.Id && p.At >= start).ToList();
                var drains = kegPours.Select(p => (p.At, Ml: p.VolumeMl))
                    .Concat(flushes.Where(f => f.KegId == k.Id && f.At >= start).Select(f => (f.At, Ml: f.WasteMl)))
                    .OrderBy(d => d.At).ToList();
                var level = Math.Min(k.NominalVolumeMl, k.RemainingVolumeMl + drains.Sum(d => d.Ml));
                var points = new List<KegLevelPointDto> { new(start, level) };
                foreach (var d in drains)
                {
                    level = Math.Max(k.RemainingVolumeMl, level - d.Ml);
                    points.Add(new KegLevelPointDto(d.At, level));
                }
                points.Add(new KegLevelPointDto(now, k.RemainingVolumeMl));
                return new KegLevelDto(k.Id, k.BeerTypeId, k.BeerName, k.TapId, k.Number, k.TapName, k.NominalVolumeMl, k.RemainingVolumeMl,
                    points, Forecast(start, now, kegPours, k.RemainingVolumeMl));
            }).ToList();

            var warehouse = await db.Kegs.AsNoTracking().Where(k => k.Status == KegStatus.Warehouse && k.LocationId == venue.Id)
                .Select(k => new { k.BeerTypeId, BeerName = k.BeerType!.Name, k.RemainingVolumeMl, Received = k.ReceivedAt ?? k.CreatedAt })
                .ToListAsync(cancellationToken);
            var byBeer = warehouse.GroupBy(k => (k.BeerTypeId, k.BeerName))
                .Select(g =>
                {
                    var counts = new int[AgeBuckets.Count];
                    foreach (var k in g) counts[Bucket((now - k.Received).TotalDays)]++;
                    return new WarehouseBeerDto(g.Key.BeerTypeId, g.Key.BeerName, counts, g.Sum(k => k.RemainingVolumeMl));
                })
                .OrderBy(b => b.BeerName, StringComparer.Ordinal).ToList();

            return new KegStatsDto(venue.TimeZone, since, now, connected, AgeBuckets, byBeer);
        }

        private static int Bucket(double days)
        {
            for (var i = 0; i < BucketDays.Length; i++)
                if (days < BucketDays[i]) return i;
            return BucketDays.Length;
        }
    }

    /// <summary>At the rate poured since <paramref name="from"/>: how many average pours are left and when the keg runs dry.</summary>
    public static KegForecastDto Forecast(DateTime from, DateTime now, IReadOnlyList<StatsFacts.Pour> pours, int remainingMl)
    {
        var poured = pours.Sum(p => p.VolumeMl);
        var hours = (now - from).TotalHours;
        if (pours.Count == 0 || poured <= 0 || hours <= 0) return new KegForecastDto(from, 0, 0, 0, 0, 0, null);
        var average = (int)Math.Round((double)poured / pours.Count);
        var rate = poured / hours;
        DateTime? emptyAt = remainingMl <= 0 ? now : now.AddHours(remainingMl / rate);
        return new KegForecastDto(from, poured, pours.Count, average, (int)Math.Round(rate), average > 0 ? remainingMl / average : 0, emptyAt);
    }
}
