using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Kegs;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Yield;

/// <summary>The figures of a keg from its parts (PRODUCT.md "Where the beer goes"; docs/OPERATIONS.md explains each).</summary>
public static class YieldFigures
{
    public static decimal Percent(int part, int nominal) => nominal <= 0 ? 0m : Math.Round(part * 100m / nominal, 2, MidpointRounding.AwayFromZero);

    /// <summary>The cost of each litre charged to guests (null without a cost, or with nothing charged).</summary>
    public static decimal? CostPerLiter(decimal? cost, int chargedMl) =>
        cost is { } c && chargedMl > 0 ? Money.Round(c * 1000m / chargedMl) : null;

    /// <summary>(revenue − cost) ÷ revenue in % (null without a cost, or with no revenue).</summary>
    public static decimal? MarginPercent(decimal? cost, decimal revenue) =>
        cost is { } c && revenue > 0 ? Math.Round((revenue - c) * 100m / revenue, 2, MidpointRounding.AwayFromZero) : null;

    public static KegYieldDto Of(Keg k, string beerName, decimal revenue) => new(
        k.Id, k.BeerTypeId, beerName, k.Status, k.NominalVolumeMl,
        k.ChargedMl, k.BelowMinimumMl, k.CleaningMl, k.CalibrationMl, k.LeakMl, k.SpillMl, k.FoamMl, k.OtherMl, k.LossAtEmptyMl,
        k.RemainingVolumeMl, Percent(k.ChargedMl, k.NominalVolumeMl), k.Cost, revenue, CostPerLiter(k.Cost, k.ChargedMl),
        MarginPercent(k.Cost, revenue));

    /// <summary>What the charged pours of each keg brought in (summed here: SQLite cannot sum decimals).</summary>
    public static async Task<Dictionary<Guid, decimal>> RevenueAsync(TapRoomDbContext db, IReadOnlyCollection<Guid> kegIds, CancellationToken ct)
    {
        var ids = kegIds.ToList();
        var charges = await db.PourSessions.AsNoTracking().Where(p => ids.Contains(p.KegId))
            .Select(p => new { p.KegId, p.ChargedAmount }).ToListAsync(ct);
        return charges.GroupBy(c => c.KegId).ToDictionary(g => g.Key, g => g.Sum(c => c.ChargedAmount));
    }
}

public static class GetKegYield
{
    public sealed record Query(Guid KegId) : IQuery<KegYieldDto>;

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, KegYieldDto>
    {
        public async Task<KegYieldDto> Handle(Query request, CancellationToken ct)
        {
            var keg = await db.Kegs.AsNoTracking().Include(k => k.BeerType).FirstOrDefaultAsync(k => k.Id == request.KegId, ct)
                ?? throw new NotFoundException("Keg", request.KegId);
            var revenue = await YieldFigures.RevenueAsync(db, [keg.Id], ct);
            return YieldFigures.Of(keg, keg.BeerType!.Name, revenue.GetValueOrDefault(keg.Id));
        }
    }
}

/// <summary>
/// Staff record beer lost from a connected keg (a spill, foam, other) with a comment. It is taken off the keg into that
/// part in one statement, exactly or not at all: more than the keg holds is refused. Never charged to anyone.
/// </summary>
public static class RecordKegWaste
{
    public static readonly string[] Kinds = ["spill", "foam", "other"];

    public sealed record Body(int VolumeMl, string? Kind, string? Comment);

    public sealed record Command(Guid KegId, int VolumeMl, string? Kind, string? Comment) : ICommand<KegWasteDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("keg", KegId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.VolumeMl).InclusiveBetween(1, 200_000).WithMessage("'volumeMl' is a positive number of millilitres.");
            RuleFor(x => x.Kind).Must(k => k is not null && Kinds.Contains(k)).WithMessage("'kind' is one of spill, foam, other.");
            RuleFor(x => x.Comment).NotEmpty().MaximumLength(500);
        }
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, CurrentActor actor, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, KegWasteDto>
    {
        public async Task<KegWasteDto> Handle(Command request, CancellationToken ct)
        {
            var keg = await db.Kegs.AsNoTracking().FirstOrDefaultAsync(k => k.Id == request.KegId, ct)
                ?? throw new NotFoundException("Keg", request.KegId);
            if (keg.Status != KegStatus.Connected)
                throw new DomainException("keg_not_connected", "Waste is recorded from a keg on a tap.");
            var kind = Enum.Parse<WasteKind>(request.Kind!, ignoreCase: true);
            var part = kind switch { WasteKind.Spill => KegPart.Spill, WasteKind.Foam => KegPart.Foam, _ => KegPart.Other };
            if (!await KegVolume.TakeExactAsync(db, keg.Id, request.VolumeMl, part, ct))
            {
                var left = await db.Kegs.Where(k => k.Id == keg.Id).Select(k => k.RemainingVolumeMl).FirstAsync(ct);
                throw new DomainException("waste_exceeds_keg", $"The keg holds {left} ml; {request.VolumeMl} ml of waste cannot come out of it.",
                    StatusCodes.Status400BadRequest);
            }
            var waste = new KegWaste
            {
                Id = Guid.NewGuid(),
                KegId = keg.Id,
                LocationId = keg.LocationId,
                Kind = kind,
                VolumeMl = request.VolumeMl,
                Comment = request.Comment!.Trim(),
                RecordedBy = actor.Value.Name,
                At = time.GetUtcNow().UtcDateTime,
            };
            db.KegWaste.Add(waste);
            var remaining = await db.Kegs.Where(k => k.Id == keg.Id).Select(k => k.RemainingVolumeMl).FirstAsync(ct);
            audit.Record(AuditActions.KegWasteRecorded, "keg", keg.Id, new { wasteId = waste.Id, kind, waste.VolumeMl, waste.Comment, kegRemainingMl = remaining });
            events.Add(new KegChangedNotification(keg.Id));
            return new KegWasteDto(waste.Id, keg.Id, kind, waste.VolumeMl, waste.Comment, waste.RecordedBy, waste.At, remaining);
        }
    }
}
