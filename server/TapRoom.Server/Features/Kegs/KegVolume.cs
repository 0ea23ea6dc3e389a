using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Kegs;

/// <summary>
/// Volume is conserved (rule 6): every millilitre that leaves a connected keg (a pour, a line flush, a leak, a calibration
/// pour, staff waste) is taken off it here, into the part of the keg it went to. The common case is one UPDATE that subtracts from what the row holds then, so concurrent pours on one keg
/// never overwrite each other's drain; only a keg running dry (less left than asked) takes the row lock, lets
/// <see cref="Keg.Drain"/> decide what it gives, and writes that.
/// </summary>
public static class KegVolume
{
    /// <summary>
    /// Takes <paramref name="volumeMl"/> off the keg if it is connected and counts it in <paramref name="part"/>, in one
    /// statement; returns what it gave (0 when it is not connected any more).
    /// </summary>
    public static async Task<int> DrainAsync(TapRoomDbContext db, Guid kegId, int volumeMl, KegPart part, CancellationToken ct)
    {
        if (volumeMl < 0) throw new DomainException("invalid_volume", "A volume cannot be negative.", StatusCodes.Status400BadRequest);
        if (volumeMl == 0) return 0;
        if (await TakeExactAsync(db, kegId, volumeMl, part, ct)) return volumeMl;

        await RowLocks.LockAsync<Keg>(db, kegId, ct);
        var keg = await db.Kegs.AsNoTracking().FirstAsync(k => k.Id == kegId, ct);
        if (keg.Status != KegStatus.Connected) return 0;
        var drained = keg.Drain(volumeMl, part);
        var column = PartColumn(part);
        var partMl = PartOf(keg, part);
        await db.Kegs.Where(k => k.Id == kegId).ExecuteUpdateAsync(s => s
            .SetProperty(k => k.RemainingVolumeMl, keg.RemainingVolumeMl)
            .SetProperty(k => EF.Property<int>(k, column), partMl), ct);
        return drained;
    }

    /// <summary>
    /// Takes exactly <paramref name="volumeMl"/> off a connected keg into <paramref name="part"/>, or nothing when less is
    /// left (staff waste: a recorded spill larger than the keg holds is refused, not trimmed).
    /// </summary>
    public static async Task<bool> TakeExactAsync(TapRoomDbContext db, Guid kegId, int volumeMl, KegPart part, CancellationToken ct)
    {
        var column = PartColumn(part);
        return await db.Kegs
            .Where(k => k.Id == kegId && k.Status == KegStatus.Connected && k.RemainingVolumeMl >= volumeMl)
            .ExecuteUpdateAsync(s => s
                .SetProperty(k => k.RemainingVolumeMl, k => k.RemainingVolumeMl - volumeMl)
                .SetProperty(k => EF.Property<int>(k, column), k => EF.Property<int>(k, column) + volumeMl), ct) == 1;
    }

    public static string PartColumn(KegPart part) => part switch
    {
        KegPart.Charged => nameof(Keg.ChargedMl),
        KegPart.BelowMinimum => nameof(Keg.BelowMinimumMl),
        KegPart.Cleaning => nameof(Keg.CleaningMl),
        KegPart.Calibration => nameof(Keg.CalibrationMl),
        KegPart.Leak => nameof(Keg.LeakMl),
        KegPart.Spill => nameof(Keg.SpillMl),
        KegPart.Foam => nameof(Keg.FoamMl),
        KegPart.Other => nameof(Keg.OtherMl),
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, null),
    };

    private static int PartOf(Keg keg, KegPart part) => part switch
    {
        KegPart.Charged => keg.ChargedMl,
        KegPart.BelowMinimum => keg.BelowMinimumMl,
        KegPart.Cleaning => keg.CleaningMl,
        KegPart.Calibration => keg.CalibrationMl,
        KegPart.Leak => keg.LeakMl,
        KegPart.Spill => keg.SpillMl,
        KegPart.Foam => keg.FoamMl,
        KegPart.Other => keg.OtherMl,
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, null),
    };
}
