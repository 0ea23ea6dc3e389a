using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Stats;

/// <summary>The facts the charts are drawn from, read the way the shift report reads them (no counters).</summary>
public static class StatsFacts
{
    /// <summary>A finished pour with a volume: when it ended (or was reconciled), where, how much.</summary>
    public sealed record Pour(Guid Id, Guid TapId, Guid KegId, DateTime At, int VolumeMl);

    /// <summary>The start of the whole hour of the location's time zone that holds <paramref name="utc"/>.</summary>
    public static DateTime HourStart(DateTime utc, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        return utc - new TimeSpan(0, local.Minute, local.Second) - TimeSpan.FromTicks(local.Ticks % TimeSpan.TicksPerSecond);
    }

    /// <summary>Midnight of the location's day that holds <paramref name="utc"/>, in UTC.</summary>
    public static DateTime DayStart(DateTime utc, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        return utc - local.TimeOfDay;
    }

    /// <summary>The venue's night so far: since its open shift began, else <paramref name="fallback"/>.</summary>
    public static async Task<DateTime> NightStartAsync(TapRoomDbContext db, Guid locationId, DateTime fallback, CancellationToken ct) =>
        await db.Shifts.AsNoTracking().Where(s => s.Status == ShiftStatus.Open && s.LocationId == locationId).OrderByDescending(s => s.OpenedAt)
            .Select(s => (DateTime?)s.OpenedAt).FirstOrDefaultAsync(ct) ?? fallback;

    /// <summary>The venue's pours completed in [from, to] as the shift report counts them (synced or reconciled in the period, volume above zero).</summary>
    public static async Task<List<Pour>> CompletedInPeriodAsync(TapRoomDbContext db, Guid locationId, DateTime from, DateTime to, CancellationToken ct)
    {
        var rows = await db.PourSessions.AsNoTracking()
            .Where(p => p.Visit!.LocationId == locationId)
            .Where(p => (p.SyncStatus == SyncStatus.Synced && (p.SyncedAt ?? p.EndedAt) >= from && (p.SyncedAt ?? p.EndedAt) <= to)
                || (p.SyncStatus == SyncStatus.Reconciled && p.ReconciledAt >= from && p.ReconciledAt <= to))
            .Where(p => p.VolumeMl > 0)
            .Select(p => new { p.Id, p.TapId, p.KegId, p.EndedAt, p.SyncedAt, p.ReconciledAt, Volume = p.VolumeMl!.Value })
            .ToListAsync(ct);
        return rows.Select(p => new Pour(p.Id, p.TapId, p.KegId, Clamp(p.EndedAt ?? p.SyncedAt ?? p.ReconciledAt ?? from, from, to), p.Volume)).ToList();
    }

    /// <summary>Pours taken off their keg (synced or reconciled, volume above zero) that ended at or after <paramref name="since"/>.</summary>
    public static async Task<List<Pour>> DrainedSinceAsync(TapRoomDbContext db, Guid locationId, DateTime since, IReadOnlyCollection<Guid>? kegIds, CancellationToken ct)
    {
        var query = db.PourSessions.AsNoTracking().Where(p => p.SyncStatus != SyncStatus.PendingSync && p.VolumeMl > 0 && p.Visit!.LocationId == locationId)
            .Where(p => (p.EndedAt ?? p.ReconciledAt ?? p.AuthorizedAt) >= since);
        if (kegIds is not null) query = query.Where(p => kegIds.Contains(p.KegId));
        var rows = await query.Select(p => new { p.Id, p.TapId, p.KegId, At = p.EndedAt ?? p.ReconciledAt ?? p.AuthorizedAt, Volume = p.VolumeMl!.Value })
            .ToListAsync(ct);
        return rows.Select(p => new Pour(p.Id, p.TapId, p.KegId, p.At, p.Volume)).OrderBy(p => p.At).ToList();
    }

    /// <summary>Line flushes (<c>tap.cleaned</c>) since <paramref name="since"/>: the waste they took off each keg.</summary>
    public static async Task<List<(Guid KegId, DateTime At, int WasteMl)>> FlushesSinceAsync(TapRoomDbContext db, DateTime since, CancellationToken ct)
    {
        var rows = await db.AuditEvents.AsNoTracking().Where(e => e.Action == AuditActions.TapCleaned && e.At >= since)
            .Select(e => new { e.At, e.DetailsJson }).ToListAsync(ct);
        var result = new List<(Guid, DateTime, int)>();
        foreach (var row in rows)
        {
            using var doc = JsonDocument.Parse(row.DetailsJson);
            if (doc.RootElement.TryGetProperty("kegId", out var keg) && keg.TryGetGuid(out var kegId)
                && doc.RootElement.TryGetProperty("wasteMl", out var waste) && waste.TryGetInt32(out var ml) && ml > 0)
                result.Add((kegId, row.At, ml));
        }
        return result;
    }

    private static DateTime Clamp(DateTime at, DateTime from, DateTime to) => at < from ? from : at > to ? to : at;
}
