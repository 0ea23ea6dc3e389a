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

    /// <summary>Takes volume off the keg. A keg never goes below zero; what it reports is what it had.</summary>
    public int Drain(int volumeMl)
    {
        if (volumeMl < 0) throw new DomainException("invalid_volume", "A volume cannot be negative.", StatusCodes.Status400BadRequest);
        if (Status != KegStatus.Connected)
            throw new DomainException("keg_not_connected", "Only a connected keg can be drained.");
        var taken = Math.Min(volumeMl, RemainingVolumeMl);
        RemainingVolumeMl -= taken;
        return taken;
    }

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
    }

    public void Return()
    {
        if (Status != KegStatus.Empty)
            throw new DomainException("keg_not_empty", "Only an empty keg can be returned.");
        Status = KegStatus.Returned;
    }
}
