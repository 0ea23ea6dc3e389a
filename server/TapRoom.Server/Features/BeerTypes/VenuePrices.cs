using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.BeerTypes;

/// <summary>
/// The one home of "a pour is charged at its venue's price" (docs/RULES.md): a venue's own price per beer, falling back
/// to the catalogue's. The allow reads it in its prepared tap query (<c>AuthorizePour</c>), fixes it on the pour, and the
/// charge uses what the pour carries.
/// </summary>
public static class VenuePrices
{
    /// <summary>The catalogue with each beer's price at <paramref name="locationId"/> (the catalogue's where it sets none).</summary>
    public static IQueryable<BeerTypeDto> CatalogueAt(TapRoomDbContext db, Guid locationId) =>
        db.BeerTypes.AsNoTracking().Select(b => new BeerTypeDto(b.Id, b.Name, b.Style, b.Abv,
            db.LocationPrices.Where(p => p.LocationId == locationId && p.BeerTypeId == b.Id).Select(p => (decimal?)p.PricePerLiter).FirstOrDefault() ?? b.PricePerLiter,
            b.CreatedAt, b.PricePerLiter));
}

/// <summary>A manager sets their venue's price for a beer of the catalogue; <c>null</c> goes back to the catalogue's.</summary>
public static class SetVenuePrice
{
    public sealed record Body(decimal? PricePerLiter);

    public sealed record Command(Guid LocationId, Guid BeerTypeId, decimal? PricePerLiter) : ICommand<BeerTypeDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("beer_type", BeerTypeId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => When(x => x.PricePerLiter is not null, () => RuleFor(x => x.PricePerLiter!.Value).ValidPrice().OverridePropertyName("pricePerLiter"));
    }

    public sealed class Handler(TapRoomDbContext db, VenueAccess access, AuditTrail audit, TimeProvider time) : IRequestHandler<Command, BeerTypeDto>
    {
        public async Task<BeerTypeDto> Handle(Command request, CancellationToken ct)
        {
            await access.EnterAsync(request.LocationId, "Venue", request.LocationId, ct);
            var beer = await db.BeerTypes.AsNoTracking().FirstOrDefaultAsync(b => b.Id == request.BeerTypeId, ct)
                ?? throw new NotFoundException("Beer type", request.BeerTypeId);
            await RowLocks.LockNameAsync(db, $"venue-price:{request.LocationId}:{beer.Id}", ct);
            var price = await db.LocationPrices.FirstOrDefaultAsync(p => p.LocationId == request.LocationId && p.BeerTypeId == beer.Id, ct);
            var from = price?.PricePerLiter ?? beer.PricePerLiter;
            if (request.PricePerLiter is { } to)
            {
                if (price is null) db.LocationPrices.Add(price = new LocationPrice { LocationId = request.LocationId, BeerTypeId = beer.Id });
                price.PricePerLiter = to;
                price.UpdatedAt = time.GetUtcNow().UtcDateTime;
            }
            else if (price is not null)
            {
                db.LocationPrices.Remove(price);
            }
            var now = request.PricePerLiter ?? beer.PricePerLiter;
            audit.Record(AuditActions.BeerTypeVenuePriceChanged, "beer_type", beer.Id,
                new { beer.Name, locationId = request.LocationId, from, to = now, catalogue = request.PricePerLiter is null });
            return new BeerTypeDto(beer.Id, beer.Name, beer.Style, beer.Abv, now, beer.CreatedAt, beer.PricePerLiter);
        }
    }
}
