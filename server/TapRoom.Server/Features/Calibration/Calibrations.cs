using FluentValidation;
using MediatR;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Kegs;
using TapRoom.Server.Features.Pours;
using TapRoom.Server.Features.Taps;
using TapRoom.Server.Features.Yield;
using TapRoom.Server.Hubs;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Calibration;

/// <summary>After commit: the tap's controller is told to start or stop a calibration pour.</summary>
public sealed record CalibrationPourRequestedNotification(Guid ControllerId, Guid CalibrationId, Guid TapId, int TargetMl, bool Stop) : INotification;

public sealed class CalibrationPushes(IHubContext<ControllerHub, IControllerClient> hub) : INotificationHandler<CalibrationPourRequestedNotification>
{
    public Task Handle(CalibrationPourRequestedNotification n, CancellationToken ct)
    {
        var controller = hub.Clients.Group(ControllerHub.GroupFor(n.ControllerId));
        return n.Stop
            ? controller.StopCalibrationPour(new StopCalibrationPourMessage(n.CalibrationId))
            : controller.StartCalibrationPour(new StartCalibrationPourMessage(n.CalibrationId, n.TapId, n.TargetMl));
    }
}

internal static class CalibrationRead
{
    public static CalibrationDto ToDto(TapCalibration c) => new(c.Id, c.TapId, c.KegId, c.Status, c.TargetMl, c.PulsesPerLiterUsed, c.Pulses,
        c.VolumeMl, c.MeasuredMl, c.MeasuredPulsesPerLiter, c.StartedAt, c.PouredAt, c.MeasuredAt, c.AppliedAt);

    public static async Task<TapCalibration> LoadAsync(TapRoomDbContext db, Guid id, CancellationToken ct)
    {
        var c = await db.TapCalibrations.FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundException("Calibration", id);
        return c;
    }

    public static async Task<Tap> TapAsync(TapRoomDbContext db, Guid tapId, CancellationToken ct)
    {
        var tap = await db.Taps.Include(t => t.Controller).FirstOrDefaultAsync(t => t.Id == tapId, ct) ?? throw new NotFoundException("Tap", tapId);
        return tap;
    }
}

/// <summary>
/// A manager starts a calibration pour on a tap: refused while a pour or another calibration runs on it, when it has
/// no controller or its controller is offline, or the target is above the venue's per-pour cap. The controller opens
/// the valve with no card and closes it at the target by the tap's current factor (docs/RULES.md "Calibration").
/// A calibration left pouring for 5 minutes (a controller that restarted and forgot it) is set aside by the next start.
/// </summary>
public static class StartCalibration
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(5);

    public sealed record Body(int TargetMl);

    public sealed record Command(Guid TapId, int TargetMl) : ICommand<StartCalibrationResult>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("tap", TapId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.TargetMl).InclusiveBetween(50, 2000);
    }

    public sealed class Handler(TapRoomDbContext db, LocationContext location, AuditTrail audit, CurrentActor actor, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, StartCalibrationResult>
    {
        public async Task<StartCalibrationResult> Handle(Command request, CancellationToken ct)
        {
            var now = time.GetUtcNow().UtcDateTime;
            await RowLocks.LockAsync<Tap>(db, request.TapId, ct);
            var tap = await CalibrationRead.TapAsync(db, request.TapId, ct);
            var cap = (await location.PoliciesAsync(ct)).PerPourCapMl;
            if (request.TargetMl > cap)
                throw new DomainException("calibration_above_cap", $"A calibration pour is at most the per-pour cap, {cap} ml.", StatusCodes.Status400BadRequest);
            if (tap.Controller is not { RevokedAt: null } controller)
                throw new DomainException("tap_has_no_controller", $"Tap {tap.Number} has no controller to pour with.");
            if (!controller.IsOnline)
                throw new DomainException("controller_offline", $"Controller {controller.Name} is offline; calibrate once it is back.");
            if (tap.Status is not (TapStatus.Active or TapStatus.Cleaning))
                throw new DomainException("tap_not_active", $"Tap {tap.Number} is {TapRoomJson.EnumValue(tap.Status)}; calibrate an active or cleaning tap.");
            if (await PourGuard.InProgressOnTapAsync(db, tap.Id, ct)) throw PourGuard.InProgress("calibrate");
            var running = await db.TapCalibrations.FirstOrDefaultAsync(c => c.TapId == tap.Id && c.Status == CalibrationStatus.Pouring, ct);
            if (running is not null)
            {
                if (now - running.StartedAt < StaleAfter)
                    throw new DomainException("calibration_in_progress", $"A calibration pour is running on tap {tap.Number}; stop it first.");
                running.Status = CalibrationStatus.Poured;
                running.Discarded = true;
                running.PouredAt = now;
                audit.Record(AuditActions.CalibrationStopped, "calibration", running.Id, new { tapId = tap.Id, reason = "stale" });
                await db.SaveChangesAsync(ct);
            }
            var calibration = new TapCalibration
            {
                Id = Guid.NewGuid(),
                TapId = tap.Id,
                LocationId = tap.LocationId,
                ControllerId = controller.Id,
                KegId = tap.Keg is { Status: KegStatus.Connected } || await db.Kegs.AnyAsync(k => k.Id == tap.KegId && k.Status == KegStatus.Connected, ct) ? tap.KegId : null,
                Status = CalibrationStatus.Pouring,
                TargetMl = request.TargetMl,
                PulsesPerLiterUsed = tap.PulsesPerLiter ?? controller.PulsesPerLiter,
                StartedBy = actor.Value.Name,
                StartedAt = now,
            };
            db.TapCalibrations.Add(calibration);
            audit.Record(AuditActions.CalibrationStarted, "calibration", calibration.Id,
                new { tapId = tap.Id, tapNumber = tap.Number, calibration.TargetMl, calibration.PulsesPerLiterUsed, calibration.KegId });
            events.Add(new CalibrationPourRequestedNotification(controller.Id, calibration.Id, tap.Id, calibration.TargetMl, Stop: false));
            return new StartCalibrationResult(calibration.Id);
        }
    }
}

/// <summary>Staff stop a calibration pour early: the controller closes the valve and reports what it counted.</summary>
public static class StopCalibration
{
    public sealed record Command(Guid CalibrationId) : ICommand<CalibrationDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("calibration", CalibrationId);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, CalibrationDto>
    {
        public async Task<CalibrationDto> Handle(Command request, CancellationToken ct)
        {
            var c = await CalibrationRead.LoadAsync(db, request.CalibrationId, ct);
            if (c.Status == CalibrationStatus.Pouring)
            {
                audit.Record(AuditActions.CalibrationStopped, "calibration", c.Id, new { c.TapId, reason = "staff" });
                events.Add(new CalibrationPourRequestedNotification(c.ControllerId, c.Id, c.TapId, c.TargetMl, Stop: true));
            }
            return CalibrationRead.ToDto(c);
        }
    }
}

/// <summary>
/// The controller's report of a calibration pour: its pulses and the volume by the factor it poured with. That volume
/// left the keg: it is taken off the keg as its calibration part, never charged. A repeat (sent again after a drop) changes nothing.
/// </summary>
public static class ReportCalibrationPourDone
{
    public sealed record Command(Guid ControllerId, CalibrationPourDoneMessage Message) : ICommand<Done>, IControllerRequest;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Message).NotNull();
            When(x => x.Message is not null, () =>
            {
                RuleFor(x => x.Message.CalibrationId).NotEmpty();
                RuleFor(x => x.Message.Pulses).InclusiveBetween(0, 100_000_000);
                RuleFor(x => x.Message.VolumeMl).InclusiveBetween(0, CompletePour.AbsurdVolumeMl);
            });
        }
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, TimeProvider time, DomainEvents events) : IRequestHandler<Command, Done>
    {
        public async Task<Done> Handle(Command command, CancellationToken ct)
        {
            var m = command.Message;
            await PourGuards.EnsureControllerActiveAsync(db, command.ControllerId, ct);
            await RowLocks.LockAsync<TapCalibration>(db, m.CalibrationId, ct);
            var c = await db.TapCalibrations.FirstOrDefaultAsync(x => x.Id == m.CalibrationId, ct);
            if (c is null || c.ControllerId != command.ControllerId || c.TapId != m.TapId)
                throw new DomainException("calibration_not_found", "This controller has no such calibration pour.", StatusCodes.Status404NotFound);
            if (c.Status != CalibrationStatus.Pouring) return Done.Value;
            c.Status = CalibrationStatus.Poured;
            c.Pulses = m.Pulses;
            c.VolumeMl = m.VolumeMl;
            c.PouredAt = time.GetUtcNow().UtcDateTime;
            var drained = 0;
            if (c.KegId is { } kegId)
            {
                drained = await KegVolume.DrainAsync(db, kegId, m.VolumeMl, KegPart.Calibration, ct);
                events.Add(new KegChangedNotification(kegId));
            }
            audit.Record(AuditActions.CalibrationPoured, "calibration", c.Id, new { c.TapId, m.Pulses, m.VolumeMl, c.KegId, drainedMl = drained, m.At });
            events.Add(new TapChangedNotification(c.TapId));
            return Done.Value;
        }
    }
}

/// <summary>Staff enter what the jug holds; the pour's factor is its pulses per litre of that.</summary>
public static class MeasureCalibration
{
    public sealed record Body(int MeasuredMl);

    public sealed record Command(Guid CalibrationId, int MeasuredMl) : ICommand<CalibrationDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("calibration", CalibrationId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.MeasuredMl).InclusiveBetween(10, 5000);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, TimeProvider time) : IRequestHandler<Command, CalibrationDto>
    {
        public async Task<CalibrationDto> Handle(Command request, CancellationToken ct)
        {
            await RowLocks.LockAsync<TapCalibration>(db, request.CalibrationId, ct);
            var c = await CalibrationRead.LoadAsync(db, request.CalibrationId, ct);
            if (c.Status != CalibrationStatus.Poured || c.Discarded)
                throw new DomainException("calibration_not_poured", c.Status == CalibrationStatus.Pouring
                    ? "The calibration pour is still running; measure it once the valve closed."
                    : "This calibration pour was already measured or set aside.");
            if (c.Pulses is not > 0)
                throw new DomainException("calibration_no_pulses", "The meter counted no pulses for this pour; pour again.", StatusCodes.Status400BadRequest);
            var ppl = CalibrateController.PulsesPerLiterFor((int)c.Pulses.Value, request.MeasuredMl);
            if (ppl is < CalibrateController.MinPulsesPerLiter or > CalibrateController.MaxPulsesPerLiter)
                throw new DomainException("calibration_out_of_range",
                    $"{c.Pulses} pulses for {request.MeasuredMl} ml gives {ppl} pulses per litre, outside {CalibrateController.MinPulsesPerLiter}..{CalibrateController.MaxPulsesPerLiter}; measure again.",
                    StatusCodes.Status400BadRequest);
            c.MeasuredMl = request.MeasuredMl;
            c.MeasuredAt = time.GetUtcNow().UtcDateTime;
            c.Status = CalibrationStatus.Measured;
            audit.Record(AuditActions.CalibrationMeasured, "calibration", c.Id, new { c.TapId, c.Pulses, c.VolumeMl, request.MeasuredMl, pulsesPerLiter = ppl });
            return CalibrationRead.ToDto(c);
        }
    }
}

public static class GetCalibration
{
    public sealed record Query(Guid CalibrationId) : IQuery<CalibrationDto>;

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, CalibrationDto>
    {
        public async Task<CalibrationDto> Handle(Query request, CancellationToken ct) =>
            CalibrationRead.ToDto(await CalibrationRead.LoadAsync(db, request.CalibrationId, ct));
    }
}

/// <summary>
/// The proposal: the median factor of the tap's last five measured pours since its last apply, with their spread
/// ((max − min) ÷ median); above 2 % the pours disagree and the dashboard warns.
/// </summary>
public static class GetCalibrationProposal
{
    public const int MaxSamples = 5;
    public const decimal SpreadWarningPercent = 2m;

    public sealed record Query(Guid TapId) : IQuery<CalibrationProposalDto>;

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, CalibrationProposalDto>
    {
        public async Task<CalibrationProposalDto> Handle(Query request, CancellationToken ct)
        {
            var tap = await CalibrationRead.TapAsync(db, request.TapId, ct);
            return await ProposeAsync(db, tap, ct);
        }
    }

    public static async Task<CalibrationProposalDto> ProposeAsync(TapRoomDbContext db, Tap tap, CancellationToken ct)
    {
        var current = tap.PulsesPerLiter ?? tap.Controller?.PulsesPerLiter ?? 0;
        var lastApply = await db.TapCalibrations.AsNoTracking().Where(c => c.TapId == tap.Id && c.AppliedAt != null)
            .MaxAsync(c => (DateTime?)c.AppliedAt, ct) ?? DateTime.MinValue;
        var pours = (await db.TapCalibrations.AsNoTracking()
                .Where(c => c.TapId == tap.Id && c.Status == CalibrationStatus.Measured && c.AppliedAt == null && !c.Discarded && c.StartedAt > lastApply)
                .ToListAsync(ct))
            .OrderByDescending(c => c.MeasuredAt).Take(MaxSamples).OrderBy(c => c.MeasuredAt).ToList();
        var factors = pours.Select(c => c.MeasuredPulsesPerLiter!.Value).Order().ToList();
        if (factors.Count == 0) return new CalibrationProposalDto(tap.Id, current, null, 0, null, false, []);
        var median = Median(factors);
        var spread = Math.Round((factors[^1] - factors[0]) * 100m / median, 2, MidpointRounding.AwayFromZero);
        return new CalibrationProposalDto(tap.Id, current, median, factors.Count, spread, spread > SpreadWarningPercent,
            pours.Select(CalibrationRead.ToDto).ToList());
    }

    /// <summary>The middle factor; of an even count, the mean of the two middle ones, rounded half away from zero.</summary>
    public static int Median(IReadOnlyList<int> sorted) => sorted.Count % 2 == 1
        ? sorted[sorted.Count / 2]
        : (int)Math.Round((sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2m, MidpointRounding.AwayFromZero);
}

/// <summary>
/// A manager applies the proposal: it becomes the tap's factor, the controller gets ConfigChanged at once, and the
/// pours it came from are stamped applied (the next proposal starts afresh).
/// </summary>
public static class ApplyCalibrationProposal
{
    public sealed record Body(string? Comment);

    public sealed record Command(Guid TapId, string? Comment) : ICommand<CalibrationAppliedDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("tap", TapId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.Comment).MaximumLength(500);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, TimeProvider time, DomainEvents events) : IRequestHandler<Command, CalibrationAppliedDto>
    {
        public async Task<CalibrationAppliedDto> Handle(Command request, CancellationToken ct)
        {
            await RowLocks.LockAsync<Tap>(db, request.TapId, ct);
            var tap = await CalibrationRead.TapAsync(db, request.TapId, ct);
            var proposal = await GetCalibrationProposal.ProposeAsync(db, tap, ct);
            if (proposal.PulsesPerLiter is not { } ppl)
                throw new DomainException("no_calibration_pours", "Measure at least one calibration pour before applying.");
            var now = time.GetUtcNow().UtcDateTime;
            var ids = proposal.Pours.Select(p => p.Id).ToList();
            await db.TapCalibrations.Where(c => c.TapId == tap.Id && c.Status == CalibrationStatus.Measured && c.AppliedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.AppliedAt, now), ct);
            var previous = proposal.CurrentPulsesPerLiter;
            tap.PulsesPerLiter = ppl;
            audit.Record(AuditActions.CalibrationApplied, "tap", tap.Id, new
            {
                from = previous, to = ppl, samples = proposal.Samples, proposal.SpreadPercent, calibrationIds = ids, comment = request.Comment?.Trim(),
            });
            if (tap.ControllerId is { } controllerId) events.Add(new ControllerConfigChangedNotification(controllerId));
            events.Add(new TapChangedNotification(tap.Id));
            return new CalibrationAppliedDto(tap.Id, previous, ppl, proposal.Samples);
        }
    }
}

public static class CalibrationEndpoints
{
    public static IEndpointRouteBuilder MapCalibrationEndpoints(this IEndpointRouteBuilder app)
    {
        var taps = app.MapGroup("/api/taps").WithTags("Calibration").RequireAuthorization(Policies.Manager).WithVenueOf(VenueKind.Tap);
        taps.MapPost("/{id:guid}/calibrations", async (Guid id, StartCalibration.Body body, IMediator m) =>
            TypedResults.Ok(await m.Send(new StartCalibration.Command(id, body.TargetMl))));
        taps.MapGet("/{id:guid}/calibration-proposal", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetCalibrationProposal.Query(id))));
        taps.MapPost("/{id:guid}/calibration-proposal/apply", async (Guid id, ApplyCalibrationProposal.Body body, IMediator m) =>
            TypedResults.Ok(await m.Send(new ApplyCalibrationProposal.Command(id, body.Comment))));

        var calibrations = app.MapGroup("/api/calibrations").WithTags("Calibration").RequireAuthorization(Policies.Manager).WithVenueOf(VenueKind.Calibration);
        calibrations.MapGet("/{id:guid}", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetCalibration.Query(id))));
        calibrations.MapPost("/{id:guid}/stop", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new StopCalibration.Command(id))));
        calibrations.MapPost("/{id:guid}/measured", async (Guid id, MeasureCalibration.Body body, IMediator m) =>
            TypedResults.Ok(await m.Send(new MeasureCalibration.Command(id, body.MeasuredMl))));
        return app;
    }
}
