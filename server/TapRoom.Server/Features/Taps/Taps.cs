using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Taps;

public static class ListTaps
{
    public sealed record Query(Guid? LocationId = null) : IQuery<IReadOnlyList<TapDto>>;

    public sealed class Handler(TapRoomDbContext db, VenueAccess access) : IRequestHandler<Query, IReadOnlyList<TapDto>>
    {
        public async Task<IReadOnlyList<TapDto>> Handle(Query request, CancellationToken cancellationToken) =>
            await ReadModels.TapsAsync(db, null, cancellationToken, await access.ScopeAsync(request.LocationId, cancellationToken));
    }
}

public static class GetTap
{
    public sealed record Query(Guid TapId) : IQuery<TapDto>;

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, TapDto>
    {
        public async Task<TapDto> Handle(Query request, CancellationToken cancellationToken) =>
            (await ReadModels.TapsAsync(db, [request.TapId], cancellationToken)).SingleOrDefault()
            ?? throw new NotFoundException("Tap", request.TapId);
    }
}

/// <summary>A new tap has no keg yet, so it starts <c>out_of_keg</c>. Without a number it gets the next free one.</summary>
public static class CreateTap
{
    public sealed record Command(string Name, int? Number, Guid? LocationId = null) : ICommand<TapDto>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Name).NotEmpty().MaximumLength(100).SingleLine();
            RuleFor(x => x.Number).InclusiveBetween(1, 999);
        }
    }

    public sealed class Handler(TapRoomDbContext db, VenueAccess access, AuditTrail audit, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, TapDto>
    {
        public async Task<TapDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var locationId = await access.ChooseAsync(request.LocationId, cancellationToken);
            int number;
            // Taps created at once take turns for the next free number.
            await RowLocks.LockNameAsync(db, $"tap-number:{locationId}", cancellationToken);
            if (request.Number is { } wanted)
            {
                if (await db.Taps.AnyAsync(t => t.LocationId == locationId && t.Number == wanted, cancellationToken))
                    throw new DomainException("tap_number_taken", $"Tap number {wanted} is taken.");
                number = wanted;
            }
            else
            {
                number = (await db.Taps.Where(t => t.LocationId == locationId).MaxAsync(t => (int?)t.Number, cancellationToken) ?? 0) + 1;
            }
            var tap = new Tap
            {
                Id = Guid.NewGuid(),
                LocationId = locationId,
                Number = number,
                Name = request.Name.Trim(),
                Status = TapStatus.OutOfKeg,
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            db.Taps.Add(tap);
            audit.Record(AuditActions.TapCreated, "tap", tap.Id, new { tap.Name, tap.Number });
            events.Add(new TapChangedNotification(tap.Id));
            await db.SaveChangesAsync(cancellationToken);
            return (await ReadModels.TapsAsync(db, [tap.Id], cancellationToken)).Single();
        }
    }
}

public static class PourGuard
{
    /// <summary>A visit holds the tap's lock, or a pour on the tap still waits for its sync.</summary>
    public static async Task<bool> InProgressOnTapAsync(TapRoomDbContext db, Guid tapId, CancellationToken ct) =>
        await db.Visits.AnyAsync(v => v.ActiveTapId == tapId, ct)
        || await db.PourSessions.AnyAsync(p => p.TapId == tapId && p.SyncStatus == SyncStatus.PendingSync, ct);

    public static DomainException InProgress(string what) =>
        new("pour_in_progress", $"A pour is in progress or waiting for its sync on this tap; {what} once it is synced or reconciled.");
}

/// <summary>
/// A line flush while the tap is <c>cleaning</c>: the beer run off is waste. It is taken off the connected keg (volume is
/// conserved) and recorded in the audit trail (<c>tap.cleaned</c> with <c>wasteMl</c>), and never charged to anyone.
/// </summary>
public static class FlushTap
{
    public sealed record Command(Guid TapId, int VolumeMl) : ICommand<Result>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("tap", TapId);
    }

    public sealed record Result(Guid TapId, Guid KegId, int RequestedMl, int WasteMl, int KegRemainingMl);

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.VolumeMl).InclusiveBetween(1, 20_000);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken cancellationToken)
        {
            var tap = await db.Taps.Include(t => t.Keg).FirstOrDefaultAsync(t => t.Id == request.TapId, cancellationToken)
                ?? throw new NotFoundException("Tap", request.TapId);
            if (tap.Status != TapStatus.Cleaning)
                throw new DomainException("tap_not_cleaning", $"Put tap {tap.Number} into cleaning before flushing it.");
            if (tap.Keg is not { Status: KegStatus.Connected } keg)
                throw new DomainException("tap_has_no_keg", $"Tap {tap.Number} has no keg connected to flush from.");

            var taken = await Kegs.KegVolume.DrainAsync(db, keg.Id, request.VolumeMl, KegPart.Cleaning, cancellationToken);
            var remaining = await db.Kegs.Where(k => k.Id == keg.Id).Select(k => k.RemainingVolumeMl).FirstAsync(cancellationToken);
            audit.Record(AuditActions.TapCleaned, "tap", tap.Id, new { kegId = keg.Id, requestedMl = request.VolumeMl, wasteMl = taken, kegRemainingMl = remaining });
            events.Add(new KegChangedNotification(keg.Id));
            events.Add(new TapChangedNotification(tap.Id));
            return new Result(tap.Id, keg.Id, request.VolumeMl, taken, remaining);
        }
    }
}

/// <summary>
/// Calibration by a measured test pour: the meter counted <c>pulses</c> for <c>measuredVolumeMl</c>, so the controller's
/// pulses per litre become round(pulses × 1000 / measuredVolumeMl). The controller gets the new value with ConfigChanged.
/// </summary>
public static class CalibrateController
{
    public const int MinPulsesPerLiter = 100;
    public const int MaxPulsesPerLiter = 100_000;

    public sealed record Command(Guid ControllerId, Guid? TapId, int MeasuredVolumeMl, int Pulses) : ICommand<Result>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("controller", ControllerId);
    }

    public sealed record Result(Guid ControllerId, int PreviousPulsesPerLiter, int PulsesPerLiter);

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.MeasuredVolumeMl).InclusiveBetween(10, 10_000);
            RuleFor(x => x.Pulses).InclusiveBetween(1, 10_000_000);
        }
    }

    public static int PulsesPerLiterFor(int pulses, int measuredVolumeMl) =>
        (int)Math.Round(pulses * 1000m / measuredVolumeMl, MidpointRounding.AwayFromZero);

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken cancellationToken)
        {
            var controller = await db.Controllers.FirstOrDefaultAsync(c => c.Id == request.ControllerId, cancellationToken)
                ?? throw new NotFoundException("Controller", request.ControllerId);
            if (controller.RevokedAt is not null)
                throw new DomainException("controller_revoked", $"Controller {controller.Name} is revoked.");
            if (request.TapId is { } tapId)
            {
                var tap = await db.Taps.AsNoTracking().FirstOrDefaultAsync(t => t.Id == tapId, cancellationToken)
                    ?? throw new NotFoundException("Tap", tapId);
                if (tap.ControllerId != controller.Id)
                    throw new DomainException("tap_not_on_controller", $"Tap {tap.Number} is not served by controller {controller.Name}.");
            }
            var ppl = PulsesPerLiterFor(request.Pulses, request.MeasuredVolumeMl);
            if (ppl is < MinPulsesPerLiter or > MaxPulsesPerLiter)
                throw new DomainException("calibration_out_of_range",
                    $"{request.Pulses} pulses for {request.MeasuredVolumeMl} ml gives {ppl} pulses per litre, outside {MinPulsesPerLiter}..{MaxPulsesPerLiter}; measure again.",
                    StatusCodes.Status400BadRequest);

            var previous = controller.PulsesPerLiter;
            controller.PulsesPerLiter = ppl;
            audit.Record(AuditActions.ControllerCalibrated, "controller", controller.Id,
                new { request.TapId, request.MeasuredVolumeMl, request.Pulses, from = previous, to = ppl });
            events.Add(new ControllerConfigChangedNotification(controller.Id));
            return new Result(controller.Id, previous, ppl);
        }
    }
}
