using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features;

/// <summary>
/// The read models shared by REST responses and dashboard pushes, so that a push and a reload show the same thing.
/// Each takes an optional set of ids (null: all).
/// </summary>
public static class ReadModels
{
    private sealed record TapRow(Guid Id, int Number, string Name, TapStatus Status, Guid? KegId, Guid? ControllerId, bool Online,
        string? Beer, int? Remaining, int? Nominal, Guid LocationId);

    private sealed record TapPour(Guid TapId, ActivePourDto Pour);

    // One projection per read model, shared by its prepared query by id (Infrastructure/HotQuery: every dashboard window
    // reads the taps, visits and kegs it carries) and its plain REST query; EF inlines an expression held in a field.
    private static readonly Expression<Func<Tap, TapRow>> TapRowOf = t => new TapRow(t.Id, t.Number, t.Name, t.Status, t.KegId, t.ControllerId,
        t.Controller != null && t.Controller.IsOnline,
        t.Keg != null ? t.Keg.BeerType!.Name : null,
        t.Keg != null ? (int?)t.Keg.RemainingVolumeMl : null,
        t.Keg != null ? (int?)t.Keg.NominalVolumeMl : null,
        t.LocationId);

    private static readonly Expression<Func<Visit, VisitSummaryDto>> VisitSummaryOf = v => new VisitSummaryDto(v.Id, v.GuestId, v.Guest!.Name,
        v.CardId, v.Card != null ? v.Card.Uid : null, v.Status, v.IsMinor,
        v.Balance, v.PouredVolumeMl, v.VolumeLimitMl, v.ActiveTapId, v.LockSetAt, v.OpenedAt, v.ClosedAt, v.LocationId);

    private static readonly Expression<Func<Keg, KegDto>> KegDtoOf = k => new KegDto(k.Id, k.BeerTypeId, k.BeerType!.Name, k.Status,
        k.NominalVolumeMl, k.RemainingVolumeMl, k.ReceivedAt, k.ConnectedAt, k.DisconnectedAt, k.TapId, k.CreatedAt, k.LocationId, k.Cost);

    private static readonly Func<TapRoomDbContext, List<Guid>, CancellationToken, Task<List<TapRow>>> TapRowsQuery = HotQuery.CreateList(
        (TapRoomDbContext db, List<Guid> ids) => db.Taps.AsNoTracking().Where(t => ids.Contains(t.Id)).OrderBy(t => t.Number).Select(TapRowOf));

    private static readonly Func<TapRoomDbContext, List<Guid>, CancellationToken, Task<List<TapPour>>> TapPoursQuery = HotQuery.CreateList(
        (TapRoomDbContext db, List<Guid> tapIds) => db.PourSessions.AsNoTracking()
            .Where(p => p.SyncStatus == SyncStatus.PendingSync && tapIds.Contains(p.TapId) && p.Visit!.ActivePourSessionId == p.Id)
            .Select(p => new TapPour(p.TapId, new ActivePourDto(p.Id, p.VisitId, p.Visit!.Guest!.Name, p.LastProgressMl, p.MaxVolumeMl, p.StartedAt ?? p.AuthorizedAt))));

    /// <param name="venues">For a list (no <paramref name="ids"/>): the venues whose taps to show.</param>
    public static async Task<List<TapDto>> TapsAsync(TapRoomDbContext db, IReadOnlyCollection<Guid>? ids = null, CancellationToken ct = default,
        IReadOnlyCollection<Guid>? venues = null)
    {
        var taps = ids is null
            ? await db.Taps.AsNoTracking().Where(t => venues == null || venues.Contains(t.LocationId)).OrderBy(t => t.Number).Select(TapRowOf).ToListAsync(ct)
            : await TapRowsQuery(db, ids.ToList(), ct);
        var pourByTap = (await TapPoursQuery(db, taps.Select(t => t.Id).ToList(), ct))
            .GroupBy(p => p.TapId).ToDictionary(g => g.Key, g => g.First().Pour);
        return taps.Select(t => new TapDto(t.Id, t.Number, t.Name, t.Status, t.KegId, t.ControllerId, t.Online, t.Beer, t.Remaining, t.Nominal,
            pourByTap.GetValueOrDefault(t.Id), t.LocationId)).ToList();
    }

    public static Task<List<VisitSummaryDto>> VisitsAsync(TapRoomDbContext db, IQueryable<Visit> visits, CancellationToken ct = default) =>
        visits.AsNoTracking().OrderByDescending(v => v.OpenedAt).Select(VisitSummaryOf).ToListAsync(ct);

    private static readonly Func<TapRoomDbContext, List<Guid>, CancellationToken, Task<List<VisitSummaryDto>>> VisitsByIdQuery = HotQuery.CreateList(
        (TapRoomDbContext db, List<Guid> ids) => db.Visits.AsNoTracking().Where(v => ids.Contains(v.Id)).OrderByDescending(v => v.OpenedAt).Select(VisitSummaryOf));

    public static Task<List<VisitSummaryDto>> VisitsAsync(TapRoomDbContext db, IReadOnlyCollection<Guid> ids, CancellationToken ct = default) =>
        VisitsByIdQuery(db, ids.ToList(), ct);

    /// <summary>The visit's stored balance (the sum of its ledger, kept on the visit row: ADR 0065).</summary>
    public static Task<decimal> BalanceAsync(TapRoomDbContext db, Guid visitId, CancellationToken ct = default) =>
        db.Visits.AsNoTracking().Where(v => v.Id == visitId).Select(v => v.Balance).FirstOrDefaultAsync(ct);

    public static IQueryable<AlertDto> Alerts(TapRoomDbContext db) => Alerts(db, db.Alerts, null);

    /// <summary>
    /// Alerts as DTOs. Filter and order <paramref name="alerts"/> before projecting. With <paramref name="now"/>, an alert
    /// whose type and subject have a mute running at that time comes back with <c>Muted</c> set.
    /// </summary>
    public static IQueryable<AlertDto> Alerts(TapRoomDbContext db, IQueryable<Alert> alerts, DateTime? now) =>
        alerts.AsNoTracking().Select(a => new AlertDto(a.Id, a.Type, a.Severity, a.Status, a.SubjectType, a.SubjectId == Guid.Empty ? null : a.SubjectId,
            a.Message, a.RaisedAt, a.LastRaisedAt, a.OccurrenceCount, a.AcknowledgedAt, a.AcknowledgedBy, a.AcknowledgeComment,
            a.ResolvedAt, a.ResolvedBy, a.ResolveComment, a.LocationId,
            now != null && db.AlertMutes.Any(m => m.Type == a.Type && m.SubjectType == a.SubjectType && m.SubjectId == a.SubjectId && m.Until > now),
            // The subject by its name today (a renamed tap shows its new name), not as the message captured it.
            a.SubjectType == "tap" ? db.Taps.Where(t => t.Id == a.SubjectId).Select(t => t.Name).FirstOrDefault()
            : a.SubjectType == "keg" ? db.Kegs.Where(k => k.Id == a.SubjectId).Select(k => k.BeerType!.Name + " keg").FirstOrDefault()
            : a.SubjectType == "visit" ? db.Visits.Where(v => v.Id == a.SubjectId).Select(v => v.Guest!.Name).FirstOrDefault()
            : a.SubjectType == "controller" ? db.Controllers.Where(c => c.Id == a.SubjectId).Select(c => c.Name).FirstOrDefault()
            : a.SubjectType == "card" ? db.Cards.Where(c => c.Id == a.SubjectId).Select(c => "card " + c.Uid).FirstOrDefault()
            : a.SubjectType == "temperature_zone" ? db.TemperatureZones.Where(z => z.Id == a.SubjectId).Select(z => z.Name).FirstOrDefault()
            : a.SubjectType == "temperature_sensor" ? db.TemperatureSensors.Where(s => s.Id == a.SubjectId).Select(s => "sensor " + s.SensorId).FirstOrDefault()
            : null));

    public static IQueryable<KegDto> Kegs(TapRoomDbContext db) => Kegs(db.Kegs);

    private static readonly Func<TapRoomDbContext, List<Guid>, CancellationToken, Task<List<KegDto>>> KegsByIdQuery = HotQuery.CreateList(
        (TapRoomDbContext db, List<Guid> ids) => db.Kegs.AsNoTracking().Where(k => ids.Contains(k.Id)).Select(KegDtoOf));

    public static Task<List<KegDto>> KegsAsync(TapRoomDbContext db, IReadOnlyCollection<Guid> ids, CancellationToken ct = default) =>
        KegsByIdQuery(db, ids.ToList(), ct);

    /// <summary>Kegs as DTOs; filter <paramref name="kegs"/> before projecting (a filter on the DTO does not translate).</summary>
    public static IQueryable<KegDto> Kegs(IQueryable<Keg> kegs) => kegs.AsNoTracking().Select(KegDtoOf);

    private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<string?>> TapNameQuery = HotQuery.Create(
        (TapRoomDbContext db, Guid tapId, CancellationToken _) => db.Taps.AsNoTracking().Where(t => t.Id == tapId).Select(t => t.Name).FirstOrDefault());

    /// <summary>A tap's name (null for an unknown tap), prepared once: a denial names its tap, and the tap holding a card.</summary>
    public static Task<string?> TapNameAsync(TapRoomDbContext db, Guid tapId, CancellationToken ct = default) => TapNameQuery(db, tapId, ct);

    public static IQueryable<BeerTypeDto> BeerTypes(TapRoomDbContext db) =>
        db.BeerTypes.AsNoTracking().Select(b => new BeerTypeDto(b.Id, b.Name, b.Style, b.Abv, b.PricePerLiter, b.CreatedAt));

    public static IQueryable<LostCardDto> LostCards(TapRoomDbContext db, IQueryable<LostCard> lostCards) =>
        lostCards.AsNoTracking().Select(l => new LostCardDto(l.Id, l.Uid, l.CardId, l.GuestId,
            db.Guests.Where(g => g.Id == l.GuestId).Select(g => g.Name).FirstOrDefault(), l.VisitId, l.ReportedAt, l.ReportedBy, l.Reason,
            l.ClearedAt, l.ClearedBy));

    public static async Task<List<ControllerStatusDto>> ControllersAsync(TapRoomDbContext db, IReadOnlyCollection<Guid>? ids = null, CancellationToken ct = default,
        IReadOnlyCollection<Guid>? venues = null)
    {
        var rows = await db.Controllers.AsNoTracking()
            .Where(c => ids == null || ids.Contains(c.Id))
            .Where(c => venues == null || venues.Contains(c.LocationId))
            .OrderBy(c => c.Name)
            .Select(c => new { c.Id, c.Name, c.IsOnline, c.LastSeenAt, c.AgentVersion, c.RevokedAt, c.LocationId, TapIds = c.Taps.Select(t => t.Id).ToList() })
            .ToListAsync(ct);
        return rows.Select(c => new ControllerStatusDto(c.Id, c.Name, c.IsOnline && c.RevokedAt == null, c.LastSeenAt, c.AgentVersion, c.TapIds, c.LocationId)).ToList();
    }

    public static async Task<ShiftDto?> ShiftAsync(TapRoomDbContext db, Guid shiftId, CancellationToken ct = default)
    {
        var s = await db.Shifts.AsNoTracking().Include(x => x.Members).ThenInclude(m => m.StaffUser).FirstOrDefaultAsync(x => x.Id == shiftId, ct);
        return s is null ? null : new ShiftDto(s.Id, s.Status, s.OpenedAt, s.OpenedBy, s.ClosedAt, s.ClosedBy,
            s.Members.OrderBy(m => m.JoinedAt).Select(m => new ShiftMemberDto(m.StaffUserId, m.StaffUser!.Name, m.Role, m.JoinedAt, m.LeftAt)).ToList(), s.LocationId);
    }
}
