using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Shifts;

/// <summary>What the shift use cases share: who acts, loading an open shift, and the hard close blockers.</summary>
public static class ShiftRules
{
    public static async Task<StaffUser> RequireStaffUserAsync(TapRoomDbContext db, Actor actor, CancellationToken ct)
    {
        if (actor.Kind != ActorKind.Staff || actor.Id is null) throw new ForbiddenException("Only a signed-in staff user can do this.");
        return await db.StaffUsers.AsNoTracking().FirstOrDefaultAsync(u => u.Id == actor.Id && u.IsActive, ct)
            ?? throw new ForbiddenException("Only an active staff user can do this.");
    }

    /// <summary>Loads the shift (tracked, with its members) and refuses any change once it is closed.</summary>
    public static async Task<Shift> LoadOpenAsync(TapRoomDbContext db, Guid shiftId, CancellationToken ct)
    {
        var shift = await db.Shifts.Include(s => s.Members).FirstOrDefaultAsync(s => s.Id == shiftId, ct)
            ?? throw new NotFoundException("Shift", shiftId);
        EnsureOpen(shift);
        return shift;
    }

    public static void EnsureOpen(Shift shift)
    {
        if (shift.Status != ShiftStatus.Open)
            throw new DomainException("shift_closed", "The shift is closed; its report is final and it can no longer change.");
    }

    /// <summary>Hard blockers: every active visit and every pour still waiting for its sync, each with the web route that fixes it.</summary>
    public static async Task<List<ShiftBlockerDto>> BlockersAsync(TapRoomDbContext db, Guid locationId, CancellationToken ct)
    {
        var visits = await db.Visits.AsNoTracking().Where(v => v.Status == VisitStatus.Active && v.LocationId == locationId)
            .OrderBy(v => v.OpenedAt)
            .Select(v => new { v.Id, Guest = v.Guest!.Name, v.OpenedAt })
            .ToListAsync(ct);
        var pours = await db.PourSessions.AsNoTracking().Where(p => p.SyncStatus == SyncStatus.PendingSync && p.Visit!.LocationId == locationId)
            .OrderBy(p => p.AuthorizedAt)
            .Select(p => new { p.Id, p.VisitId, Guest = p.Visit!.Guest!.Name, p.TapId, p.AuthorizedAt })
            .ToListAsync(ct);
        var tapIds = pours.Select(p => p.TapId).Distinct().ToList();
        var taps = await db.Taps.AsNoTracking().Where(t => tapIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);

        // Times as the staff read them: in the venue's time zone, named.
        var zoneId = await db.Locations.AsNoTracking().Where(l => l.Id == locationId).Select(l => l.TimeZone).FirstOrDefaultAsync(ct) ?? "UTC";
        string Local(DateTime utc)
        {
            var (local, zone) = Location.ToVenueTime(utc, zoneId);
            return $"{local.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} {zone}";
        }

        var blockers = visits.Select(v => new ShiftBlockerDto(ShiftBlockerKind.ActiveVisit, v.Id,
            $"The visit of {v.Guest} (opened {Local(v.OpenedAt)}) is still active", $"/visits/{v.Id}", v.Id)).ToList();
        blockers.AddRange(pours.Select(p => new ShiftBlockerDto(ShiftBlockerKind.PendingSync, p.Id,
            $"A pour by {p.Guest} on {taps.GetValueOrDefault(p.TapId, "an unknown tap")} (since {Local(p.AuthorizedAt)}) awaits its sync",
            $"/sync?pour={p.Id}", p.VisitId)));
        return blockers;
    }

    public static IQueryable<Alert> Unresolved(TapRoomDbContext db, Guid locationId) => db.Alerts.Where(a => a.Status != AlertStatus.Resolved && a.LocationId == locationId);

    public static IQueryable<Alert> CriticalUnacknowledged(TapRoomDbContext db, Guid locationId) =>
        db.Alerts.Where(a => a.Status == AlertStatus.Open && a.Severity == AlertSeverity.Critical && a.LocationId == locationId);
}
