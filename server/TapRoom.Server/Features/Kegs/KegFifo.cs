using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Kegs;

/// <summary>
/// First in, first out: the oldest <c>received_at</c> goes first, creation time standing in for a keg received without
/// one; ties fall to the creation time, then to the id (ordinal, as text), so the same data always gives the same answer.
/// </summary>
public static class KegFifo
{
    public static IEnumerable<KegDto> Order(IEnumerable<KegDto> kegs) =>
        kegs.OrderBy(k => k.ReceivedAt ?? k.CreatedAt)
            .ThenBy(k => k.CreatedAt)
            .ThenBy(k => k.Id.ToString("D"), StringComparer.Ordinal);

    /// <summary>The beer the tap pours: its current keg's, else the last one connected.</summary>
    public static async Task<KegSuggestionDto> SuggestAsync(TapRoomDbContext db, Guid tapId, CancellationToken ct)
    {
        var tap = await db.Taps.AsNoTracking().Where(t => t.Id == tapId)
                .Select(t => new { t.Id, CurrentBeer = t.Keg != null ? (Guid?)t.Keg.BeerTypeId : null, t.LastBeerTypeId })
                .FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException("Tap", tapId);
        var beerTypeId = tap.CurrentBeer ?? tap.LastBeerTypeId;
        var beerName = beerTypeId is null ? null
            : await db.BeerTypes.AsNoTracking().Where(b => b.Id == beerTypeId).Select(b => b.Name).FirstOrDefaultAsync(ct);

        var warehouse = Order(await ReadModels.Kegs(db.Kegs.Where(k => k.Status == KegStatus.Warehouse)).ToListAsync(ct)).ToList();
        var sameBeer = warehouse.Where(k => k.BeerTypeId == beerTypeId).ToList();
        var suggested = sameBeer.FirstOrDefault();
        var alternatives = sameBeer.Skip(1).Concat(warehouse.Where(k => k.BeerTypeId != beerTypeId)).ToList();
        return new KegSuggestionDto(tap.Id, beerTypeId, beerName, suggested, alternatives);
    }
}
