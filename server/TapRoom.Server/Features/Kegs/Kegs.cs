using System.Text.Json;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Taps;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Kegs;

public static class ListKegs
{
    public sealed record Query(string? Status, Guid? LocationId = null) : IQuery<IReadOnlyList<KegDto>>;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => RuleFor(x => x.Status).Must(s => s is null || TryParseStatus(s, out _))
            .WithMessage("'status' is one of warehouse, connected, empty, returned.");
    }

    public static bool TryParseStatus(string value, out KegStatus status)
    {
        foreach (var s in Enum.GetValues<KegStatus>())
        {
            if (JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString()) == value) { status = s; return true; }
        }
        status = default;
        return false;
    }

    public sealed class Handler(TapRoomDbContext db, VenueAccess access) : IRequestHandler<Query, IReadOnlyList<KegDto>>
    {
        public async Task<IReadOnlyList<KegDto>> Handle(Query request, CancellationToken cancellationToken)
        {
            var venues = await access.ScopeAsync(request.LocationId, cancellationToken);
            IQueryable<Keg> kegs = db.Kegs.Where(k => venues.Contains(k.LocationId));
            if (request.Status is not null && TryParseStatus(request.Status, out var status)) kegs = kegs.Where(k => k.Status == status);
            return KegFifo.Order(await ReadModels.Kegs(kegs).ToListAsync(cancellationToken)).ToList();
        }
    }
}

/// <summary>
/// A keg arrives in a venue's warehouse, full. Without <c>receivedAt</c> it is received now; without <c>locationId</c>
/// it goes to the user's venue (the default one); <c>cost</c> is what it cost, for its yield and margin.
/// </summary>
public static class ReceiveKeg
{
    public sealed record Command(Guid BeerTypeId, int NominalVolumeMl, DateTime? ReceivedAt, decimal? Cost = null, Guid? LocationId = null) : ICommand<KegDto>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.BeerTypeId).NotEmpty();
            RuleFor(x => x.NominalVolumeMl).InclusiveBetween(1000, 200_000);
            RuleFor(x => x.Cost).InclusiveBetween(0m, 1_000_000m).PrecisionScale(12, 2, ignoreTrailingZeros: true);
        }
    }

    public sealed class Handler(TapRoomDbContext db, VenueAccess access, AuditTrail audit, TimeProvider time, DomainEvents events) : IRequestHandler<Command, KegDto>
    {
        public async Task<KegDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var locationId = await access.ChooseAsync(request.LocationId, cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            var beer = await db.BeerTypes.AsNoTracking().FirstOrDefaultAsync(b => b.Id == request.BeerTypeId, cancellationToken)
                ?? throw new NotFoundException("Beer type", request.BeerTypeId);
            var receivedAt = request.ReceivedAt is { } r ? (r.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(r, DateTimeKind.Utc) : r.ToUniversalTime()) : now;
            if (receivedAt > now.AddMinutes(5))
                throw new DomainException("received_at_in_future", "A keg cannot be received in the future.", StatusCodes.Status400BadRequest);
            var keg = new Keg
            {
                Id = Guid.NewGuid(),
                LocationId = locationId,
                BeerTypeId = beer.Id,
                NominalVolumeMl = request.NominalVolumeMl,
                RemainingVolumeMl = request.NominalVolumeMl,
                Status = KegStatus.Warehouse,
                ReceivedAt = receivedAt,
                CreatedAt = now,
                Cost = request.Cost,
            };
            db.Kegs.Add(keg);
            audit.Record(AuditActions.KegReceived, "keg", keg.Id, new { beerTypeId = beer.Id, beer = beer.Name, keg.NominalVolumeMl, keg.ReceivedAt, keg.Cost, locationId });
            events.Add(new KegChangedNotification(keg.Id));
            return new KegDto(keg.Id, beer.Id, beer.Name, keg.Status, keg.NominalVolumeMl, keg.RemainingVolumeMl, keg.ReceivedAt, null, null, null, keg.CreatedAt, keg.LocationId, keg.Cost);
        }
    }
}

public static class SuggestKeg
{
    public sealed record Query(Guid TapId) : IQuery<KegSuggestionDto>;

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, KegSuggestionDto>
    {
        public Task<KegSuggestionDto> Handle(Query request, CancellationToken cancellationToken) => KegFifo.SuggestAsync(db, request.TapId, cancellationToken);
    }
}

/// <summary>
/// Connects a warehouse keg to a tap. Refused while the tap's keg still has beer (mark it empty first) or a pour is in
/// progress; a connected keg already at 0 ml is marked empty on the way. A tap that was <c>out_of_keg</c> becomes
/// <c>active</c>; a locked or cleaning tap keeps its status. The FIFO suggestion and whether it was followed are audited.
/// </summary>
public static class ConnectKeg
{
    public sealed record Command(Guid TapId, Guid KegId) : ICommand<Result>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("tap", TapId);
    }

    public sealed record Result(TapDto Tap, KegDto Keg, Guid? SuggestedKegId, bool SuggestionFollowed);

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.KegId).NotEmpty();
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, TimeProvider time, DomainEvents events) : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow().UtcDateTime;
            // Tap, then keg: the rows this command reads, checks and writes, locked in the order every command takes them.
            await RowLocks.LockAsync<Tap>(db, request.TapId, cancellationToken);
            await RowLocks.LockAsync<Keg>(db, request.KegId, cancellationToken);
            var tap = await db.Taps.Include(t => t.Keg).FirstOrDefaultAsync(t => t.Id == request.TapId, cancellationToken)
                ?? throw new NotFoundException("Tap", request.TapId);
            var keg = await db.Kegs.FirstOrDefaultAsync(k => k.Id == request.KegId, cancellationToken)
                ?? throw new NotFoundException("Keg", request.KegId);
            if (tap.Keg is { Status: KegStatus.Connected, RemainingVolumeMl: > 0 } current)
                throw new DomainException("tap_has_keg", $"Tap {tap.Number} still has a keg with {current.RemainingVolumeMl} ml; mark it empty first.");
            if (await PourGuard.InProgressOnTapAsync(db, tap.Id, cancellationToken))
                throw PourGuard.InProgress("connect the keg");
            if (keg.Status != KegStatus.Warehouse)
                throw new DomainException("keg_not_in_warehouse", "Only a keg in the warehouse can be connected.");

            var suggestion = await KegFifo.SuggestAsync(db, tap.Id, cancellationToken);

            if (tap.Keg is { } old)
            {
                if (old.Status == KegStatus.Connected)
                {
                    var oldLeft = old.RemainingVolumeMl;
                    old.MarkEmpty(now);
                    audit.Record(AuditActions.KegEmptied, "keg", old.Id, new { tapId = tap.Id, remainingMl = oldLeft, lossAtEmptyMl = oldLeft, reason = "replaced" });
                    events.Add(new KegChangedNotification(old.Id));
                }
                tap.KegId = null;
                tap.Keg = null;
                // The old keg leaves the tap before the new one arrives (unique indexes on the tap's keg).
                await db.SaveChangesAsync(cancellationToken);
            }

            keg.ConnectTo(tap.Id, now);
            tap.KegId = keg.Id;
            tap.LastBeerTypeId = keg.BeerTypeId;
            if (tap.Status == TapStatus.OutOfKeg)
            {
                tap.Status = TapStatus.Active;
                audit.Record(AuditActions.TapStatusChanged, "tap", tap.Id, new { from = TapStatus.OutOfKeg, to = TapStatus.Active, reason = "keg_connected", kegId = keg.Id });
            }
            var followed = suggestion.Suggested?.Id == keg.Id;
            audit.Record(AuditActions.KegConnected, "keg", keg.Id, new
            {
                tapId = tap.Id,
                tapNumber = tap.Number,
                beerTypeId = keg.BeerTypeId,
                suggestedKegId = suggestion.Suggested?.Id,
                suggestionFollowed = followed,
                alternativeKegIds = suggestion.Alternatives.Select(a => a.Id).ToList(),
            });
            events.Add(new KegChangedNotification(keg.Id));
            events.Add(new TapChangedNotification(tap.Id));
            if (tap.ControllerId is { } controllerId) events.Add(new ControllerConfigChangedNotification(controllerId)); // the tap screen's beer
            await db.SaveChangesAsync(cancellationToken);
            return new Result(
                (await ReadModels.TapsAsync(db, [tap.Id], cancellationToken)).Single(),
                await ReadModels.Kegs(db.Kegs.Where(k => k.Id == keg.Id)).SingleAsync(cancellationToken),
                suggestion.Suggested?.Id,
                followed);
        }
    }
}

/// <summary>
/// The keg is empty and leaves its tap (<c>disconnected_at</c>). An active tap goes <c>out_of_keg</c> until a replacement
/// is connected; a locked or cleaning tap keeps its status, since staff set it on purpose.
/// </summary>
public static class MarkKegEmpty
{
    public sealed record Command(Guid KegId) : ICommand<KegDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("keg", KegId);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, TimeProvider time, DomainEvents events) : IRequestHandler<Command, KegDto>
    {
        public async Task<KegDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow().UtcDateTime;
            await RowLocks.LockAsync<Keg>(db, request.KegId, cancellationToken);
            var keg = await db.Kegs.FirstOrDefaultAsync(k => k.Id == request.KegId, cancellationToken)
                ?? throw new NotFoundException("Keg", request.KegId);
            var tap = await db.Taps.FirstOrDefaultAsync(t => t.KegId == keg.Id, cancellationToken);
            if (keg.Status == KegStatus.Connected
                && ((tap is not null && await PourGuard.InProgressOnTapAsync(db, tap.Id, cancellationToken))
                    || await db.PourSessions.AnyAsync(p => p.KegId == keg.Id && p.SyncStatus == SyncStatus.PendingSync, cancellationToken)))
                throw PourGuard.InProgress("mark the keg empty");

            var left = keg.RemainingVolumeMl;
            keg.MarkEmpty(now);
            audit.Record(AuditActions.KegEmptied, "keg", keg.Id, new { tapId = tap?.Id, remainingMl = left, lossAtEmptyMl = left });
            events.Add(new KegChangedNotification(keg.Id));
            if (tap is not null)
            {
                tap.KegId = null;
                if (tap.Status == TapStatus.Active)
                {
                    tap.Status = TapStatus.OutOfKeg;
                    audit.Record(AuditActions.TapStatusChanged, "tap", tap.Id, new { from = TapStatus.Active, to = TapStatus.OutOfKeg, reason = "keg_empty", kegId = keg.Id });
                }
                events.Add(new TapChangedNotification(tap.Id));
                if (tap.ControllerId is { } controllerId) events.Add(new ControllerConfigChangedNotification(controllerId)); // the tap screen's beer
            }
            await db.SaveChangesAsync(cancellationToken);
            return await ReadModels.Kegs(db.Kegs.Where(k => k.Id == keg.Id)).SingleAsync(cancellationToken);
        }
    }
}

public static class ReturnKeg
{
    public sealed record Command(Guid KegId) : ICommand<KegDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("keg", KegId);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, KegDto>
    {
        public async Task<KegDto> Handle(Command request, CancellationToken cancellationToken)
        {
            await RowLocks.LockAsync<Keg>(db, request.KegId, cancellationToken);
            var keg = await db.Kegs.FirstOrDefaultAsync(k => k.Id == request.KegId, cancellationToken)
                ?? throw new NotFoundException("Keg", request.KegId);
            keg.Return();
            audit.Record(AuditActions.KegReturned, "keg", keg.Id, new { remainingMl = keg.RemainingVolumeMl });
            events.Add(new KegChangedNotification(keg.Id));
            await db.SaveChangesAsync(cancellationToken);
            return await ReadModels.Kegs(db.Kegs.Where(k => k.Id == keg.Id)).SingleAsync(cancellationToken);
        }
    }
}
