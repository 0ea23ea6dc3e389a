using System.Globalization;
using System.Text;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Features.Stats;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Chain;

/// <summary>
/// The chain's owner sees every venue at once (admins only): each venue live tonight, and a report per venue for any
/// period. "Tonight" is the venue's own: since its open shift began, else since midnight in its time zone.
/// </summary>
public static class ChainOverview
{
    public sealed record Query : IQuery<IReadOnlyList<ChainVenueNowDto>>;

    public sealed class Handler(TapRoomDbContext db, TimeProvider time) : IRequestHandler<Query, IReadOnlyList<ChainVenueNowDto>>
    {
        public async Task<IReadOnlyList<ChainVenueNowDto>> Handle(Query request, CancellationToken ct)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var venues = await db.Locations.AsNoTracking().OrderBy(l => l.CreatedAt).ToListAsync(ct);
            var result = new List<ChainVenueNowDto>(venues.Count);
            foreach (var v in venues)
            {
                var since = await StatsFacts.NightStartAsync(db, v.Id, StatsFacts.DayStart(now, Domain.Location.FindTimeZone(v.TimeZone)), ct);
                var pouring = await db.Visits.CountAsync(x => x.LocationId == v.Id && x.ActiveTapId != null, ct);
                var poured = await StatsFacts.DrainedSinceAsync(db, v.Id, since, null, ct);
                var revenue = -await db.Ledger.Where(e => e.Kind == LedgerKind.PourCharge && e.At >= since && db.Visits.Any(x => x.Id == e.VisitId && x.LocationId == v.Id))
                    .Select(e => e.Amount).ToListAsync(ct).ContinueWith(t => t.Result.Sum(), ct);
                var alerts = await db.Alerts.CountAsync(a => a.LocationId == v.Id && a.Status != AlertStatus.Resolved, ct);
                var taps = await db.Taps.CountAsync(t => t.LocationId == v.Id, ct);
                result.Add(new ChainVenueNowDto(v.Id, v.Name, v.Slug, v.Currency, v.TimeZone, taps, pouring,
                    Math.Round(poured.Sum(p => p.VolumeMl) / 1000m, 3), revenue, alerts, since));
            }
            return result;
        }
    }
}

/// <summary>Per venue, for [from, to): pours completed, their volume and revenue, top-ups and refunds at its desk.</summary>
public static class ChainReport
{
    public sealed record Query(DateTime From, DateTime To) : IQuery<ChainReportDto>;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(x => x.To).GreaterThan(x => x.From).WithMessage("'to' must be after 'from'.");
            RuleFor(x => x).Must(x => x.To - x.From <= TimeSpan.FromDays(400)).WithMessage("A chain report covers at most 400 days.");
        }
    }

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, ChainReportDto>
    {
        public async Task<ChainReportDto> Handle(Query request, CancellationToken ct)
        {
            var from = request.From.ToUniversalTime();
            var to = request.To.ToUniversalTime();
            var venues = await db.Locations.AsNoTracking().OrderBy(l => l.CreatedAt).ToListAsync(ct);
            var ledger = await db.Ledger.AsNoTracking().Where(e => e.At >= from && e.At < to)
                .Select(e => new { e.Kind, e.Amount, Venue = db.Visits.Where(v => v.Id == e.VisitId).Select(v => v.LocationId).First() })
                .ToListAsync(ct);
            var lines = new List<ChainVenueReportDto>(venues.Count);
            foreach (var v in venues)
            {
                var pours = await StatsFacts.CompletedInPeriodAsync(db, v.Id, from, to, ct);
                var mine = ledger.Where(e => e.Venue == v.Id).ToList();
                lines.Add(new ChainVenueReportDto(v.Id, v.Name, v.Currency, pours.Count, pours.Sum(p => p.VolumeMl),
                    -mine.Where(e => e.Kind == LedgerKind.PourCharge).Sum(e => e.Amount),
                    mine.Where(e => e.Kind == LedgerKind.TopUp).Sum(e => e.Amount),
                    -mine.Where(e => e.Kind == LedgerKind.Refund).Sum(e => e.Amount)));
            }
            return new ChainReportDto(from, to, lines);
        }
    }

    public static string ToCsv(ChainReportDto r)
    {
        var sb = new StringBuilder();
        void Row(params object?[] cells) => sb.Append(string.Join(',', cells.Select(Shifts.ShiftReportFormats.Cell))).Append("\r\n");
        Row("Venue", "Currency", "Pours", "Volume ml", "Revenue", "Top-ups", "Refunds", "From (UTC)", "To (UTC)");
        foreach (var l in r.Venues)
            Row(l.Name, l.Currency, l.Pours, l.VolumeMl, M(l.Revenue), M(l.TopUps), M(l.Refunds),
                r.From.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), r.To.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    private static string M(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}

public static class ChainEndpoints
{
    public static IEndpointRouteBuilder MapChainEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/chain/overview", async (IMediator m) => TypedResults.Ok(await m.Send(new ChainOverview.Query())))
            .WithTags("Chain").RequireAuthorization(Policies.Admin);
        var reports = app.MapGroup("/api/reports").WithTags("Chain").RequireAuthorization(Policies.Admin);
        reports.MapGet("/chain", async (DateTime from, DateTime to, IMediator m) => TypedResults.Ok(await m.Send(new ChainReport.Query(from, to))));
        reports.MapGet("/chain.csv", async (DateTime from, DateTime to, IMediator m) =>
        {
            var report = await m.Send(new ChainReport.Query(from, to));
            var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(ChainReport.ToCsv(report))).ToArray();
            return TypedResults.File(bytes, "text/csv; charset=utf-8", $"chain-{report.From:yyyyMMdd}-{report.To:yyyyMMdd}.csv");
        });
        return app;
    }
}
