using TapRoom.Contracts;

namespace TapRoom.Server.Domain;

public class BeerType
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public string? Style { get; set; }
    public decimal Abv { get; set; }
    public decimal PricePerLiter { get; set; }
    public DateTime CreatedAt { get; set; }

    public bool IsNonAlcoholic => Abv <= 0.5m;

    /// <summary>Price of a volume, rounded half away from zero to the cent.</summary>
    public decimal PriceOf(int volumeMl) => Money.PriceOf(PricePerLiter, volumeMl);
}

/// <summary>A venue's own price for a beer of the chain's catalogue; without one, the catalogue's price counts.</summary>
public class LocationPrice
{
    public Guid LocationId { get; set; }
    public Guid BeerTypeId { get; set; }
    public decimal PricePerLiter { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public static class Money
{
    public static decimal Round(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero);

    public static decimal PriceOf(decimal pricePerLiter, int volumeMl) => Round(pricePerLiter * volumeMl / 1000m);

    /// <summary>The largest whole volume whose price does not exceed <paramref name="amount"/>.</summary>
    public static int VolumeAffordable(decimal pricePerLiter, decimal amount)
    {
        if (amount <= 0) return 0;
        if (pricePerLiter <= 0) return int.MaxValue;
        var ml = (int)Math.Min(int.MaxValue, Math.Floor(amount * 1000m / pricePerLiter));
        while (ml > 0 && PriceOf(pricePerLiter, ml) > amount) ml--;
        return ml;
    }
}

public class Keg
{
    public Guid Id { get; set; }
    /// <summary>The venue whose warehouse or tap holds the keg; a keg never moves between venues.</summary>
    public Guid LocationId { get; set; }
    public Guid BeerTypeId { get; set; }
    public BeerType? BeerType { get; set; }
    public int NominalVolumeMl { get; set; }
    public int RemainingVolumeMl { get; set; }
    public KegStatus Status { get; set; } = KegStatus.Warehouse;
    public DateTime? ReceivedAt { get; set; }
    public DateTime? ConnectedAt { get; set; }
    public DateTime? DisconnectedAt { get; set; }
    public Guid? TapId { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>What the keg cost, entered at receipt (null: not entered; the yield report then shows no margin).</summary>
    public decimal? Cost { get; set; }

    // Where the beer went (PRODUCT.md "Where the beer goes"): every millilitre that leaves the keg is counted in exactly one
    // part, in the same statement that takes it off RemainingVolumeMl, so nominal = remaining + the parts (CK_Kegs_PartsAddUp).
    public int ChargedMl { get; set; }
    public int BelowMinimumMl { get; set; }
    public int CleaningMl { get; set; }
    public int CalibrationMl { get; set; }
    public int LeakMl { get; set; }
    public int SpillMl { get; set; }
    public int FoamMl { get; set; }
    public int OtherMl { get; set; }
    public int LossAtEmptyMl { get; set; }

    /// <summary>Takes volume off the keg. A keg never goes below zero; what it reports is what it had.</summary>
    private int TakeOff(int volumeMl)
    {
        if (volumeMl < 0) throw new DomainException("invalid_volume", "A volume cannot be negative.", StatusCodes.Status400BadRequest);
        if (Status != KegStatus.Connected)
            throw new DomainException("keg_not_connected", "Only a connected keg can be drained.");
        var taken = Math.Min(volumeMl, RemainingVolumeMl);
        RemainingVolumeMl -= taken;
        return taken;
    }

    /// <summary>Takes volume off the keg into <paramref name="part"/>; returns what it had to give.</summary>
    public int Drain(int volumeMl, KegPart part)
    {
        var taken = TakeOff(volumeMl);
        AddTo(part, taken);
        return taken;
    }

    private void AddTo(KegPart part, int ml)
    {
        switch (part)
        {
            case KegPart.Charged: ChargedMl += ml; break;
            case KegPart.BelowMinimum: BelowMinimumMl += ml; break;
            case KegPart.Cleaning: CleaningMl += ml; break;
            case KegPart.Calibration: CalibrationMl += ml; break;
            case KegPart.Leak: LeakMl += ml; break;
            case KegPart.Spill: SpillMl += ml; break;
            case KegPart.Foam: FoamMl += ml; break;
            case KegPart.Other: OtherMl += ml; break;
            default: throw new ArgumentOutOfRangeException(nameof(part), part, null);
        }
    }

    /// <summary>The sum of the parts the beer went to so far (everything but what is left).</summary>
    public int PartsMl => ChargedMl + BelowMinimumMl + CleaningMl + CalibrationMl + LeakMl + SpillMl + FoamMl + OtherMl + LossAtEmptyMl;

    public void ConnectTo(Guid tapId, DateTime at)
    {
        if (Status != KegStatus.Warehouse)
            throw new DomainException("keg_not_in_warehouse", "Only a keg in the warehouse can be connected.");
        Status = KegStatus.Connected;
        TapId = tapId;
        ConnectedAt = at;
        DisconnectedAt = null;
    }

    public void MarkEmpty(DateTime at)
    {
        if (Status != KegStatus.Connected)
            throw new DomainException("keg_not_connected", "Only a connected keg can be marked empty.");
        Status = KegStatus.Empty;
        DisconnectedAt = at;
        // What the meter says is still in the keg is lost at empty: the parts then add up to the nominal volume.
        LossAtEmptyMl += RemainingVolumeMl;
        RemainingVolumeMl = 0;
    }

    public void Return()
    {
        if (Status != KegStatus.Empty)
            throw new DomainException("keg_not_empty", "Only an empty keg can be returned.");
        Status = KegStatus.Returned;
    }
}

/// <summary>The part of a keg a drained volume is counted in (the loss at empty is only ever set by <see cref="Keg.MarkEmpty"/>).</summary>
public enum KegPart { Charged, BelowMinimum, Cleaning, Calibration, Leak, Spill, Foam, Other }
