using System.Globalization;
using System.Text;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Features.Shifts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Yield;

/// <summary>
/// Where a venue's beer went in a period, per beer and per keg. A keg counts in every period it was on a tap for some
/// of (connected before <c>to</c>, not disconnected before <c>from</c>), with its whole life's parts; without a period
/// the last 30 days. Money in the venue's currency.
/// </summary>
public static class GetYieldReport
{
    public const int DefaultDays = 30;

    public sealed record Query(Guid? LocationId, DateTime? From, DateTime? To) : IQuery<YieldReportDto>;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => RuleFor(x => x).Must(x => x.From is null || x.To is null || x.From < x.To).WithMessage("'from' is before 'to'.");
    }

    public sealed class Handler(TapRoomDbContext db, LocationContext location, TimeProvider time) : IRequestHandler<Query, YieldReportDto>
    {
        public async Task<YieldReportDto> Handle(Query request, CancellationToken ct)
        {
            var venue = await location.GetAsync(ct); // the request's venue, held by the venue middleware
            var to = Utc(request.To) ?? time.GetUtcNow().UtcDateTime;
            var from = Utc(request.From) ?? to.AddDays(-DefaultDays);
            var kegs = await db.Kegs.AsNoTracking().Include(k => k.BeerType)
                .Where(k => k.LocationId == venue.Id && k.ConnectedAt != null && k.ConnectedAt < to && (k.DisconnectedAt == null || k.DisconnectedAt >= from))
                .ToListAsync(ct);
            var revenue = await YieldFigures.RevenueAsync(db, kegs.Select(k => k.Id).ToList(), ct);
            var perKeg = kegs.OrderBy(k => k.BeerType!.Name).ThenBy(k => k.ConnectedAt)
                .Select(k => YieldFigures.Of(k, k.BeerType!.Name, revenue.GetValueOrDefault(k.Id))).ToList();
            var beers = perKeg.GroupBy(k => (k.BeerTypeId, k.BeerName)).Select(g => Line(g.Key.BeerTypeId, g.Key.BeerName, g.ToList()))
                .OrderBy(l => l.BeerName).ToList();
            return new YieldReportDto(venue.Id, from, to, venue.Currency, beers, perKeg);
        }

        private static DateTime? Utc(DateTime? at) => at is { } a ? (a.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(a, DateTimeKind.Utc) : a.ToUniversalTime()) : null;
    }

    private static YieldReportLineDto Line(Guid beerTypeId, string beerName, List<KegYieldDto> kegs)
    {
        var nominal = kegs.Sum(k => k.NominalMl);
        var charged = kegs.Sum(k => k.ChargedMl);
        // A beer's cost is known only when every keg of it has one.
        decimal? cost = kegs.All(k => k.Cost is not null) ? kegs.Sum(k => k.Cost!.Value) : null;
        var revenue = kegs.Sum(k => k.Revenue);
        return new YieldReportLineDto(beerTypeId, beerName, kegs.Count, nominal, charged, kegs.Sum(k => k.BelowMinimumMl),
            kegs.Sum(k => k.CleaningMl), kegs.Sum(k => k.CalibrationMl), kegs.Sum(k => k.LeakMl), kegs.Sum(k => k.SpillMl),
            kegs.Sum(k => k.FoamMl), kegs.Sum(k => k.OtherMl), kegs.Sum(k => k.LossAtEmptyMl), kegs.Sum(k => k.RemainingMl),
            YieldFigures.Percent(charged, nominal), cost, revenue, YieldFigures.MarginPercent(cost, revenue));
    }

    /// <summary>One row per beer: every part in ml and in % of the nominal volume, yield, cost, revenue and margin.</summary>
    public static string ToCsv(YieldReportDto r)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        void Row(params object?[] cells) => sb.Append(string.Join(',', cells.Select(ShiftReportFormats.Cell))).Append("\r\n");
        string P(int part, int nominal) => YieldFigures.Percent(part, nominal).ToString("0.00", inv);
        string? M(decimal? amount) => amount?.ToString("0.00", inv);
        Row("Beer", "Kegs", "Nominal ml", "Charged ml", "Charged %", "Below minimum ml", "Below minimum %", "Cleaning ml", "Cleaning %",
            "Calibration ml", "Calibration %", "Leak ml", "Leak %", "Spill ml", "Spill %", "Foam ml", "Foam %", "Other ml", "Other %",
            "Loss at empty ml", "Loss at empty %", "Remaining ml", "Remaining %", "Yield %", $"Cost ({r.Currency})", $"Revenue ({r.Currency})", "Margin %");
        foreach (var l in r.Beers)
        {
            Row(l.BeerName, l.Kegs, l.NominalMl, l.ChargedMl, P(l.ChargedMl, l.NominalMl), l.BelowMinimumMl, P(l.BelowMinimumMl, l.NominalMl),
                l.CleaningMl, P(l.CleaningMl, l.NominalMl), l.CalibrationMl, P(l.CalibrationMl, l.NominalMl), l.LeakMl, P(l.LeakMl, l.NominalMl),
                l.SpillMl, P(l.SpillMl, l.NominalMl), l.FoamMl, P(l.FoamMl, l.NominalMl), l.OtherMl, P(l.OtherMl, l.NominalMl),
                l.LossAtEmptyMl, P(l.LossAtEmptyMl, l.NominalMl), l.RemainingMl, P(l.RemainingMl, l.NominalMl),
                l.YieldPercent.ToString("0.00", inv), M(l.Cost), M(l.Revenue), l.MarginPercent?.ToString("0.00", inv));
        }
        return sb.ToString();
    }
}

/// <summary>
/// A venue's stock per beer: what is on its taps and in its warehouse, the litres a day poured over the last 14 days,
/// the days that lasts, and the venue-local date to reorder by (the day it runs out less the venue's lead time).
/// </summary>
public static class GetStockReport
{
    public const int RateDays = 14;

    public sealed record Query(Guid? LocationId) : IQuery<StockReportDto>;

    public sealed class Handler(TapRoomDbContext db, LocationContext location, TimeProvider time) : IRequestHandler<Query, StockReportDto>
    {
        public async Task<StockReportDto> Handle(Query request, CancellationToken ct)
        {
            var venue = await location.GetAsync(ct); // the request's venue, held by the venue middleware
            return await BuildAsync(db, venue, time.GetUtcNow().UtcDateTime, ct);
        }
    }

    public static async Task<StockReportDto> BuildAsync(TapRoomDbContext db, Location venue, DateTime now, CancellationToken ct)
    {
        var since = now.AddDays(-RateDays);
        var kegs = await db.Kegs.AsNoTracking()
            .Where(k => k.LocationId == venue.Id && (k.Status == KegStatus.Connected || k.Status == KegStatus.Warehouse))
            .Select(k => new { k.BeerTypeId, k.Status, k.RemainingVolumeMl }).ToListAsync(ct);
        var poured = await db.PourSessions.AsNoTracking()
            .Where(p => p.VolumeMl != null && p.AuthorizedAt >= since && p.AuthorizedAt <= now)
            .Join(db.Kegs.Where(k => k.LocationId == venue.Id), p => p.KegId, k => k.Id, (p, k) => new { k.BeerTypeId, Ml = p.VolumeMl!.Value })
            .GroupBy(x => x.BeerTypeId).Select(g => new { BeerTypeId = g.Key, Ml = g.Sum(x => x.Ml) }).ToListAsync(ct);
        var beerIds = kegs.Select(k => k.BeerTypeId).Concat(poured.Select(p => p.BeerTypeId)).Distinct().ToList();
        var names = await db.BeerTypes.AsNoTracking().Where(b => beerIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, b => b.Name, ct);
        var lead = venue.Policies.ReorderLeadDays;
        var today = DateOnly.FromDateTime(Location.ToVenueTime(now, venue.TimeZone).Local);
        var lines = beerIds.Select(id =>
        {
            var connected = kegs.Where(k => k.BeerTypeId == id && k.Status == KegStatus.Connected).Sum(k => k.RemainingVolumeMl);
            var warehouse = kegs.Where(k => k.BeerTypeId == id && k.Status == KegStatus.Warehouse).Sum(k => k.RemainingVolumeMl);
            var perDay = Math.Round(poured.Where(p => p.BeerTypeId == id).Sum(p => p.Ml) / 1000m / RateDays, 3, MidpointRounding.AwayFromZero);
            decimal? daysLeft = perDay > 0 ? Math.Round((connected + warehouse) / 1000m / perDay, 1, MidpointRounding.AwayFromZero) : null;
            DateOnly? reorderBy = daysLeft is { } d ? today.AddDays((int)Math.Floor(d) - lead) : null;
            return new StockLineDto(id, names.GetValueOrDefault(id, "?"), connected, warehouse, perDay, daysLeft, reorderBy, reorderBy is { } r && r <= today);
        }).OrderBy(l => l.DaysLeft ?? decimal.MaxValue).ThenBy(l => l.BeerName).ToList();
        return new StockReportDto(venue.Id, now, lead, lines);
    }
}

/// <summary>
/// Raises a warning <c>reorder_due</c> per beer whose reorder date has come, once: not again while one raised since
/// that beer's last keg arrived at the venue exists (a new delivery moves the date and starts afresh). Runs from a sweep.
/// </summary>
public static class CheckReorders
{
    public sealed record Command : ICommand<Result>;

    public sealed record Result(IReadOnlyList<Guid> Raised);

    public sealed class Handler(TapRoomDbContext db, AlertRaiser alerts, TimeProvider time) : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken ct)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var raised = new List<Guid>();
            foreach (var venue in await db.Locations.AsNoTracking().ToListAsync(ct))
            {
                var stock = await GetStockReport.BuildAsync(db, venue, now, ct);
                foreach (var line in stock.Beers.Where(l => l.ReorderDue))
                {
                    await alerts.LockSubjectAsync(Alerts.AlertTypes.ReorderDue, "beer_type", line.BeerTypeId, ct);
                    var lastDelivery = await db.Kegs.AsNoTracking().Where(k => k.LocationId == venue.Id && k.BeerTypeId == line.BeerTypeId)
                        .MaxAsync(k => (DateTime?)k.CreatedAt, ct) ?? DateTime.MinValue;
                    if (await db.Alerts.AnyAsync(a => a.Type == Alerts.AlertTypes.ReorderDue && a.SubjectType == "beer_type"
                            && a.SubjectId == line.BeerTypeId && (a.RaisedAt >= lastDelivery || a.Status != AlertStatus.Resolved), ct)) continue;
                    var message = $"Reorder {line.BeerName} at {venue.Name}: {line.ConnectedMl + line.WarehouseMl} ml left at {line.LitresPerDay:0.###} l a day "
                        + $"lasts {line.DaysLeft:0.#} days, and a delivery takes {venue.Policies.ReorderLeadDays} days (reorder by {line.ReorderBy:yyyy-MM-dd}).";
                    if (await alerts.RaiseAsync(Alerts.AlertTypes.ReorderDue, AlertSeverity.Warning, "beer_type", line.BeerTypeId, message, ct, venue.Id) is not null)
                        raised.Add(line.BeerTypeId);
                }
            }
            return new Result(raised);
        }
    }
}

public sealed class ReorderSweepJob(IMediator mediator, Hangfire.JobStorage storage, ILogger<ReorderSweepJob> logger)
    : Jobs.CommandJob<CheckReorders.Result>(mediator, storage, logger)
{
    protected override IRequest<CheckReorders.Result> CreateCommand() => new CheckReorders.Command();
}
