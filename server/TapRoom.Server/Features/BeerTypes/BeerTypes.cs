using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.BeerTypes;

public static class BeerTypeRules
{
    public static IRuleBuilderOptions<T, decimal> ValidPrice<T>(this IRuleBuilder<T, decimal> rule) =>
        rule.GreaterThan(0m).LessThanOrEqualTo(1000m)
            .Must(p => decimal.Round(p, 2) == p).WithMessage("'{PropertyName}' has at most 2 decimals.");
}

public static class ListBeerTypes
{
    /// <param name="LocationId">With a venue: each beer at that venue's price.</param>
    public sealed record Query(Guid? LocationId = null) : IQuery<IReadOnlyList<BeerTypeDto>>;

    public sealed class Handler(TapRoomDbContext db, VenueAccess access) : IRequestHandler<Query, IReadOnlyList<BeerTypeDto>>
    {
        public async Task<IReadOnlyList<BeerTypeDto>> Handle(Query request, CancellationToken cancellationToken)
        {
            var beers = request.LocationId is { } venue
                ? VenuePrices.CatalogueAt(db, (await access.ScopeAsync(venue, cancellationToken))[0])
                : ReadModels.BeerTypes(db);
            return (await beers.ToListAsync(cancellationToken)).OrderBy(b => b.Name, StringComparer.OrdinalIgnoreCase).ToList();
        }
    }
}

public static class CreateBeerType
{
    public sealed record Command(string Name, string? Style, decimal Abv, decimal PricePerLiter) : ICommand<BeerTypeDto>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Name).NotEmpty().MaximumLength(200).SingleLine();
            RuleFor(x => x.Style).MaximumLength(100);
            RuleFor(x => x.Abv).InclusiveBetween(0m, 70m).Must(a => decimal.Round(a, 2) == a).WithMessage("'Abv' has at most 2 decimals.");
            RuleFor(x => x.PricePerLiter).ValidPrice();
        }
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, TimeProvider time) : IRequestHandler<Command, BeerTypeDto>
    {
        public async Task<BeerTypeDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var name = request.Name.Trim();
            if (await db.BeerTypes.AnyAsync(b => b.Name == name, cancellationToken))
                throw new DomainException("beer_type_name_taken", $"A beer called '{name}' exists already.");
            var beer = new BeerType
            {
                Id = Guid.NewGuid(),
                Name = name,
                Style = string.IsNullOrWhiteSpace(request.Style) ? null : request.Style.Trim(),
                Abv = request.Abv,
                PricePerLiter = request.PricePerLiter,
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            db.BeerTypes.Add(beer);
            audit.Record(AuditActions.BeerTypeCreated, "beer_type", beer.Id, new { beer.Name, beer.Style, beer.Abv, beer.PricePerLiter });
            return new BeerTypeDto(beer.Id, beer.Name, beer.Style, beer.Abv, beer.PricePerLiter, beer.CreatedAt);
        }
    }
}

/// <summary>A new price applies to pours authorised from now on; a pour in progress keeps the price it was authorised at.</summary>
public static class ChangeBeerTypePrice
{
    public sealed record Command(Guid BeerTypeId, decimal PricePerLiter) : ICommand<BeerTypeDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("beer_type", BeerTypeId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.PricePerLiter).ValidPrice();
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, BeerTypeDto>
    {
        public async Task<BeerTypeDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var beer = await db.BeerTypes.FirstOrDefaultAsync(b => b.Id == request.BeerTypeId, cancellationToken)
                ?? throw new NotFoundException("Beer type", request.BeerTypeId);
            var from = beer.PricePerLiter;
            beer.PricePerLiter = request.PricePerLiter;
            audit.Record(AuditActions.BeerTypePriceChanged, "beer_type", beer.Id, new { beer.Name, from, to = beer.PricePerLiter });
            // Controllers pouring this beer show the new price on their tap screens.
            var controllers = await db.Taps.AsNoTracking()
                .Where(t => t.ControllerId != null && t.Keg != null && t.Keg.Status == KegStatus.Connected && t.Keg.BeerTypeId == beer.Id)
                .Select(t => t.ControllerId!.Value).Distinct().ToListAsync(cancellationToken);
            foreach (var controllerId in controllers) events.Add(new ControllerConfigChangedNotification(controllerId));
            return new BeerTypeDto(beer.Id, beer.Name, beer.Style, beer.Abv, beer.PricePerLiter, beer.CreatedAt);
        }
    }
}
