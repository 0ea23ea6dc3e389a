using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Shifts;

/// <summary>
/// Computes the shift report from the facts only: ledger entries, pour sessions, visits' own timestamps and the audit
/// trail, each filtered to [openedAt, periodEnd]. No counter (a visit's poured volume, a keg's remaining volume) is read,
/// so the report cannot drift from what happened. Money is loaded and summed in memory as decimal.
/// </summary>
public sealed class ShiftReportBuilder(TapRoomDbContext db, LocationContext location, TimeProvider time)
{
    public async Task<ShiftReportDto> BuildAsync(Shift shift, DateTime periodEnd, bool final, IReadOnlyList<string> equipmentConfirmed, string? comment, CancellationToken ct)
    {
        var from = shift.OpenedAt;
        var to = periodEnd;
        // A shift is one venue's: every figure below is that venue's alone.
        var venueId = shift.LocationId;
        var venue = await location.GetAsync(venueId, ct);

        var memberIds = shift.Members.Select(m => m.StaffUserId).Distinct().ToList();
        var names = await db.StaffUsers.AsNoTracking().Where(u => memberIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Name, ct);
        var members = shift.Members.OrderBy(m => m.JoinedAt)
            .Select(m => new ShiftMemberDto(m.StaffUserId, names.GetValueOrDefault(m.StaffUserId, "?"), m.Role, m.JoinedAt, m.LeftAt ?? (final ? to : null)))
            .ToList();

        var visits = new ShiftReportVisits(
            await db.Visits.CountAsync(v => v.LocationId == venueId && v.OpenedAt >= from && v.OpenedAt <= to, ct),
            await db.Visits.CountAsync(v => v.LocationId == venueId && v.ClosedAt != null && v.ClosedAt >= from && v.ClosedAt <= to, ct),
            await db.Visits.CountAsync(v => v.LocationId == venueId && v.Status == VisitStatus.Active, ct));

        var atVenue = db.Ledger.AsNoTracking().Where(e => db.Visits.Any(v => v.Id == e.VisitId && v.LocationId == venueId));
        var ledger = await atVenue.Where(e => e.At >= from && e.At <= to)
            .Select(e => new { e.Kind, e.Amount, e.PourSessionId, e.PaymentMethod, e.Actor }).ToListAsync(ct);
        var charges = ledger.Where(e => e.Kind == LedgerKind.PourCharge).ToList();
        var outsideFrom = await db.Shifts.AsNoTracking().Where(s => s.LocationId == venueId && s.Id != shift.Id && s.ClosedAt != null && s.ClosedAt <= from)
            .OrderByDescending(s => s.ClosedAt).Select(s => s.ClosedAt).FirstOrDefaultAsync(ct);
        var outside = await atVenue
            .Where(e => (e.Kind == LedgerKind.TopUp || e.Kind == LedgerKind.Refund) && e.At < from && (outsideFrom == null || e.At > outsideFrom))
            .Select(e => new { e.Kind, e.Amount, e.PaymentMethod }).ToListAsync(ct);
        var money = MoneyOf(ledger.Select(e => new DeskMovement(e.Kind, e.Amount, e.PaymentMethod, e.Actor)).ToList(),
            outside.Select(e => new DeskMovement(e.Kind, e.Amount, e.PaymentMethod, "")).ToList(), outsideFrom, names.Values.ToHashSet());

        var venuePours = db.PourSessions.AsNoTracking().Where(p => p.Visit!.LocationId == venueId);
        var completed = await venuePours
            .Where(p => (p.SyncStatus == SyncStatus.Synced && (p.SyncedAt ?? p.EndedAt) >= from && (p.SyncedAt ?? p.EndedAt) <= to)
                || (p.SyncStatus == SyncStatus.Reconciled && p.ReconciledAt >= from && p.ReconciledAt <= to))
            .Where(p => p.VolumeMl > 0)
            .Select(p => new { p.Id, p.TapId, p.KegId, Volume = p.VolumeMl!.Value })
            .ToListAsync(ct);
        var reconciled = await venuePours
            .Where(p => p.ReconciledAt != null && p.ReconciledAt >= from && p.ReconciledAt <= to)
            .OrderBy(p => p.ReconciledAt)
            .Select(p => new { p.Id, p.VisitId, p.TapId, p.VolumeMl, p.ChargedAmount, At = p.ReconciledAt!.Value, p.ReconciledBy, p.ReconcileComment })
            .ToListAsync(ct);
        var mismatched = await venuePours
            .Where(p => p.LateSyncOutcome == LateSyncOutcome.LateSyncMismatch && p.LateSyncAt != null && p.LateSyncAt >= from && p.LateSyncAt <= to)
            .OrderBy(p => p.LateSyncAt)
            .Select(p => new { p.Id, p.VisitId, p.TapId, p.VolumeMl, p.LateSyncVolumeMl, At = p.LateSyncAt!.Value })
            .ToListAsync(ct);

        var chargedIds = charges.Where(c => c.PourSessionId != null).Select(c => c.PourSessionId!.Value).Distinct().ToList();
        var sessionWhere = (await db.PourSessions.AsNoTracking().Where(p => chargedIds.Contains(p.Id)).Select(p => new { p.Id, p.TapId, p.KegId }).ToListAsync(ct))
            .Concat(completed.Select(p => new { p.Id, p.TapId, p.KegId }))
            .DistinctBy(p => p.Id).ToDictionary(p => p.Id);

        var audit = await db.AuditEvents.AsNoTracking()
            .Where(e => (e.Action == AuditActions.VisitForceUnlocked || e.Action == AuditActions.KegConnected || e.Action == AuditActions.KegEmptied)
                && e.At >= from && e.At <= to && e.LocationId == venueId)
            .OrderBy(e => e.At).ThenBy(e => e.Id)
            .Select(e => new { e.Action, e.At, e.ActorName, e.SubjectId, e.DetailsJson })
            .ToListAsync(ct);
        var kegEvents = audit.Where(e => e.Action != AuditActions.VisitForceUnlocked && e.SubjectId != null).ToList();

        var kegIds = sessionWhere.Values.Select(p => p.KegId).Concat(kegEvents.Select(e => e.SubjectId!.Value)).Distinct().ToList();
        var kegs = await db.Kegs.AsNoTracking().Where(k => kegIds.Contains(k.Id))
            .Select(k => new { k.Id, k.BeerTypeId, BeerName = k.BeerType!.Name, k.TapId }).ToDictionaryAsync(k => k.Id, ct);
        var tapIds = sessionWhere.Values.Select(p => p.TapId).Concat(reconciled.Select(p => p.TapId)).Concat(mismatched.Select(p => p.TapId))
            .Concat(kegs.Values.Where(k => k.TapId != null).Select(k => k.TapId!.Value)).Distinct().ToList();
        var taps = await db.Taps.AsNoTracking().Where(t => tapIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => new { t.Number, t.Name }, ct);
        string TapName(Guid id) => taps.TryGetValue(id, out var t) ? t.Name : "?";

        // One line per pour fact: completed pours give count and volume, ledger charges give revenue.
        var facts = completed.Select(p => (p.TapId, Beer: kegs[p.KegId].BeerTypeId, Pours: 1, Volume: p.Volume, Revenue: 0m))
            .Concat(charges.Where(c => c.PourSessionId is { } id && sessionWhere.ContainsKey(id)).Select(c =>
            {
                var s = sessionWhere[c.PourSessionId!.Value];
                return (s.TapId, Beer: kegs[s.KegId].BeerTypeId, Pours: 0, Volume: 0, Revenue: -c.Amount);
            }))
            .ToList();
        var beerNames = kegs.Values.GroupBy(k => k.BeerTypeId).ToDictionary(g => g.Key, g => g.First().BeerName);
        var byTap = facts.GroupBy(f => f.TapId)
            .Select(g => new ShiftReportTapLine(g.Key, taps.TryGetValue(g.Key, out var t) ? t.Number : 0, TapName(g.Key),
                g.Sum(f => f.Pours), g.Sum(f => f.Volume), g.Sum(f => f.Revenue)))
            .OrderBy(l => l.TapNumber).ToList();
        var byBeer = facts.GroupBy(f => f.Beer)
            .Select(g => new ShiftReportBeerLine(g.Key, beerNames[g.Key], g.Sum(f => f.Pours), g.Sum(f => f.Volume), g.Sum(f => f.Revenue)))
            .OrderBy(l => l.BeerName, StringComparer.Ordinal).ToList();
        var pours = new ShiftReportPours(completed.Count, completed.Sum(p => p.Volume), money.Revenue, byTap, byBeer);

        var forceUnlocks = audit.Where(e => e.Action == AuditActions.VisitForceUnlocked)
            .Select(e => new ShiftReportForceUnlock(e.SubjectId, e.At, e.ActorName, CommentOf(e.DetailsJson))).ToList();
        var exceptions = new ShiftReportExceptions(reconciled.Count, forceUnlocks.Count, mismatched.Count,
            reconciled.Select(p => new ShiftReportReconcile(p.Id, p.VisitId, TapName(p.TapId), p.VolumeMl ?? 0, p.ChargedAmount, p.At, p.ReconciledBy, p.ReconcileComment)).ToList(),
            forceUnlocks,
            mismatched.Select(p => new ShiftReportLateSync(p.Id, p.VisitId, TapName(p.TapId), p.VolumeMl ?? 0, p.LateSyncVolumeMl, p.At)).ToList());

        var kegChanges = kegEvents.Select(e =>
        {
            var keg = kegs.GetValueOrDefault(e.SubjectId!.Value);
            var change = e.Action == AuditActions.KegConnected ? "connected" : "emptied";
            return new ShiftReportKegChange(e.SubjectId!.Value, keg?.BeerName ?? "?", keg?.TapId, keg?.TapId is { } tapId ? TapName(tapId) : null, change, e.At);
        }).ToList();
        var wasted = await db.KegWaste.AsNoTracking().Where(w => w.LocationId == shift.LocationId && w.At >= from && w.At <= to)
            .Select(w => new { w.Kind, w.VolumeMl }).ToListAsync(ct);
        var waste = Enum.GetValues<WasteKind>()
            .Select(k => new ShiftReportWasteLine(k, wasted.Count(w => w.Kind == k), wasted.Where(w => w.Kind == k).Sum(w => w.VolumeMl))).ToList();
        var kegReport = new ShiftReportKegs(kegChanges.Count(c => c.Change == "connected"), kegChanges.Count(c => c.Change == "emptied"), kegChanges, waste);

        var raised = await db.Alerts.AsNoTracking().Where(a => a.LocationId == venueId && a.RaisedAt >= from && a.RaisedAt <= to).Select(a => a.Severity).ToListAsync(ct);
        var stillOpen = (await ReadModels.Alerts(db, ShiftRules.Unresolved(db, venueId), null).ToListAsync(ct))
            .OrderByDescending(a => a.Severity).ThenBy(a => a.RaisedAt).ToList();
        var alerts = new ShiftReportAlerts(Severities(raised), Severities(stillOpen.Select(a => a.Severity).ToList()), stillOpen);

        return new ShiftReportDto(shift.Id, venue.Name, venue.Currency, venue.TimeZone, final, shift.OpenedAt, shift.OpenedBy,
            final ? to : null, final ? shift.ClosedBy : null, to, time.GetUtcNow().UtcDateTime,
            members, visits, pours, money, exceptions, kegReport, alerts, equipmentConfirmed, comment);
    }

    private sealed record DeskMovement(LedgerKind Kind, decimal Amount, PaymentMethod? Method, string Actor)
    {
        public bool IsCash => Method is null or PaymentMethod.Cash;
    }

    private static ShiftReportMoney MoneyOf(List<DeskMovement> ledger, List<DeskMovement> outside, DateTime? outsideFrom, HashSet<string> memberNames)
    {
        var topUps = ledger.Where(e => e.Kind == LedgerKind.TopUp).ToList();
        var refunds = ledger.Where(e => e.Kind == LedgerKind.Refund).ToList();
        var topUpSum = topUps.Sum(e => e.Amount);
        var refundSum = -refunds.Sum(e => e.Amount);
        ShiftReportPaymentSplit Split(bool cash) => new(
            topUps.Where(e => e.IsCash == cash).Sum(e => e.Amount), topUps.Count(e => e.IsCash == cash),
            -refunds.Where(e => e.IsCash == cash).Sum(e => e.Amount), refunds.Count(e => e.IsCash == cash));
        var cashSplit = Split(true);
        var outsideCash = outside.Where(e => e.IsCash).Sum(e => e.Amount);
        var outsideShift = new ShiftReportOutsideShift(outsideFrom, outside.Where(e => e.Kind == LedgerKind.TopUp).Sum(e => e.Amount),
            -outside.Where(e => e.Kind == LedgerKind.Refund).Sum(e => e.Amount), outsideCash, outside.Count);
        var handledBy = topUps.Concat(refunds).GroupBy(e => e.Actor)
            .Select(g => new ShiftReportMoneyHandler(g.Key,
                g.Where(e => e.Kind == LedgerKind.TopUp).Sum(e => e.Amount), g.Count(e => e.Kind == LedgerKind.TopUp),
                -g.Where(e => e.Kind == LedgerKind.Refund).Sum(e => e.Amount), g.Count(e => e.Kind == LedgerKind.Refund),
                memberNames.Contains(g.Key)))
            .OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
        return new ShiftReportMoney(topUpSum, topUps.Count, refundSum, refunds.Count, topUpSum - refundSum,
            -ledger.Where(e => e.Kind == LedgerKind.PourCharge).Sum(e => e.Amount),
            ledger.Where(e => e.Kind == LedgerKind.Adjustment).Sum(e => e.Amount),
            cashSplit, Split(false), outsideShift, cashSplit.TopUps - cashSplit.Refunds + outsideCash, handledBy);
    }

    private static ShiftReportSeverityCounts Severities(IReadOnlyCollection<AlertSeverity> severities) =>
        new(severities.Count(s => s == AlertSeverity.Info), severities.Count(s => s == AlertSeverity.Warning), severities.Count(s => s == AlertSeverity.Critical));

    private static string? CommentOf(string detailsJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(detailsJson);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("comment", out var c) && c.ValueKind == JsonValueKind.String
                ? c.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
