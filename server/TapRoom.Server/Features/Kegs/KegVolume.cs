using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Kegs;

/// <summary>
/// Volume is conserved (rule 6): every millilitre that leaves a connected keg (a pour, a line flush) is taken off it
/// here. The common case is one UPDATE that subtracts from what the row holds then, so concurrent pours on one keg
/// never overwrite each other's drain; only a keg running dry (less left than asked) takes the row lock, lets
/// <see cref="Keg.Drain"/> decide what it gives, and writes that.
/// </summary>
public static class KegVolume
{
    /// <summary>Takes <paramref name="volumeMl"/> off the keg if it is connected; returns what it gave (0 when it is not connected any more).</summary>
    public static async Task<int> DrainAsync(TapRoomDbContext db, Guid kegId, int volumeMl, CancellationToken ct)
    {
        if (volumeMl < 0) throw new DomainException("invalid_volume", "A volume cannot be negative.", StatusCodes.Status400BadRequest);
        if (volumeMl == 0) return 0;
        var taken = await db.Kegs
            .Where(k => k.Id == kegId && k.Status == KegStatus.Connected && k.RemainingVolumeMl >= volumeMl)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RemainingVolumeMl, k => k.RemainingVolumeMl - volumeMl), ct);
        if (taken == 1) return volumeMl;

        await RowLocks.LockAsync<Keg>(db, kegId, ct);
        var keg = await db.Kegs.AsNoTracking().FirstAsync(k => k.Id == kegId, ct);
        if (keg.Status != KegStatus.Connected) return 0;
        var drained = keg.Drain(volumeMl);
        await db.Kegs.Where(k => k.Id == kegId).ExecuteUpdateAsync(s => s.SetProperty(k => k.RemainingVolumeMl, keg.RemainingVolumeMl), ct);
        return drained;
    }
}
