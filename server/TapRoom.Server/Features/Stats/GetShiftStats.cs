using System.Text.Json;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Stats;

/// <summary>
/// The shift's volume and revenue per hour of the location's clock and its denials by reason, over the shift report's
/// period ([opened, closed], or up to now while open). Pours count in the hour they ended; revenue in the hour of its
/// ledger entry; denials are the <c>pour.denied</c> audit events.
/// </summary>
public static class GetShiftStats
{
    public sealed record Query(Guid ShiftId) : IQuery<ShiftStatsDto>;

    public sealed class Handler(TapRoomDbContext db, LocationContext location, TimeProvider time) : IRequestHandler<Query, ShiftStatsDto>
    {
        public async Task<ShiftStatsDto> Handle(Query request, CancellationToken cancellationToken)
        {
            var shift = await db.Shifts.AsNoTracking().FirstOrDefaultAsync(s => s.Id == request.ShiftId, cancellationToken)
                ?? throw new NotFoundException("Shift", request.ShiftId);
            var venue = await location.GetAsync(shift.LocationId, cancellationToken);
            var zone = Domain.Location.FindTimeZone(venue.TimeZone);
            var from = shift.OpenedAt;
            var to = shift.ClosedAt ?? time.GetUtcNow().UtcDateTime;

            var pours = await StatsFacts.CompletedInPeriodAsync(db, venue.Id, from, to, cancellationToken);
            var charges = await db.Ledger.AsNoTracking().Where(e => e.Kind == LedgerKind.PourCharge && e.At >= from && e.At <= to
                    && db.Visits.Any(v => v.Id == e.VisitId && v.LocationId == venue.Id))
                .Select(e => new { e.At, e.Amount }).ToListAsync(cancellationToken);

            var hours = new List<HourTotalsDto>();
            for (var start = StatsFacts.HourStart(from, zone); start <= to; start = start.AddHours(1))
            {
                var end = start.AddHours(1);
                var inHour = pours.Where(p => p.At >= start && p.At < end).ToList();
                hours.Add(new HourTotalsDto(start, inHour.Count, inHour.Sum(p => p.VolumeMl),
                    -charges.Where(c => c.At >= start && c.At < end).Sum(c => c.Amount)));
            }

            var denied = await db.AuditEvents.AsNoTracking().Where(e => e.Action == AuditActions.PourDenied && e.At >= from && e.At <= to)
                .Select(e => e.DetailsJson).ToListAsync(cancellationToken);
            var denials = denied.Select(ReasonOf).OfType<DenyReason>()
                .GroupBy(r => r).Select(g => new DenialCountDto(g.Key, g.Count()))
                .OrderByDescending(d => d.Count).ThenBy(d => d.Reason).ToList();

            return new ShiftStatsDto(shift.Id, venue.TimeZone, venue.Currency, from, to, hours, denials);
        }

        private static DenyReason? ReasonOf(string detailsJson)
        {
            using var doc = JsonDocument.Parse(detailsJson);
            if (!doc.RootElement.TryGetProperty("reason", out var reason) || reason.ValueKind != JsonValueKind.String) return null;
            var text = reason.GetString();
            foreach (var value in Enum.GetValues<DenyReason>())
                if (TapRoomJson.EnumValue(value) == text) return value;
            return null;
        }
    }
}
