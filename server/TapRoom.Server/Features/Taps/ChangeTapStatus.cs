using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Pours;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Taps;

/// <summary>
/// Staff lock a tap, put it into cleaning, or bring it back to active. Locking or cleaning a tap mid-pour sends
/// <c>StopPour</c> to its controller; the pour is then completed and charged as usual. Back to active needs a connected
/// keg with beer left, and (from processing_sync) no pour on the tap still holding a visit's lock.
/// </summary>
public static class ChangeTapStatus
{
    public sealed record Body(TapStatus Status, string? Comment);

    public sealed record Command(Guid TapId, TapStatus Status, string? Comment) : ICommand<Result>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("tap", TapId);
    }

    public sealed record Result(Guid TapId, TapStatus Status, Guid? StoppedPourSessionId);

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Status).Must(s => s is TapStatus.Active or TapStatus.Locked or TapStatus.Cleaning)
                .WithMessage("Staff may set a tap to active, locked or cleaning.");
            RuleFor(x => x.Comment).MaximumLength(500);
        }
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command command, CancellationToken ct)
        {
            // The row first: the sweep, a completion or a controller's hello may move this tap's status at the same time.
            await RowLocks.LockAsync<Tap>(db, command.TapId, ct);
            var tap = await db.Taps.Include(t => t.Keg).FirstOrDefaultAsync(t => t.Id == command.TapId, ct)
                ?? throw new NotFoundException("Tap", command.TapId);
            if (tap.Status == command.Status) return new Result(tap.Id, tap.Status, null);

            if (command.Status == TapStatus.Active)
            {
                if (tap.Keg is not { Status: KegStatus.Connected, RemainingVolumeMl: > 0 })
                    throw new DomainException("tap_has_no_keg", $"{tap.Name} has no connected keg with beer left.");
                var held = tap.Status == TapStatus.ProcessingSync && await db.PourSessions.AnyAsync(p => p.TapId == tap.Id
                    && p.SyncStatus == SyncStatus.PendingSync && db.Visits.Any(v => v.ActivePourSessionId == p.Id), ct);
                if (held)
                    throw new DomainException("tap_has_pending_sync", $"{tap.Name} has an unsynced pour; reconcile it or force-unlock the visit first.");
            }

            var from = tap.Status;
            tap.Status = command.Status;
            Guid? stopped = null;
            if (command.Status is TapStatus.Locked or TapStatus.Cleaning)
            {
                stopped = await db.Visits.Where(v => v.ActiveTapId == tap.Id).Select(v => v.ActivePourSessionId).FirstOrDefaultAsync(ct);
                if (stopped is { } sessionId)
                    events.Add(new StopPourRequestedNotification(tap.Id, sessionId, command.Status == TapStatus.Locked ? "tap_locked" : "tap_cleaning"));
            }
            audit.Record(AuditActions.TapStatusChanged, "tap", tap.Id, new { from, to = command.Status, command.Comment, stoppedPourSessionId = stopped });
            events.Add(new TapChangedNotification(tap.Id));
            return new Result(tap.Id, tap.Status, stopped);
        }
    }
}

public static class TapStatusEndpoints
{
    public static IEndpointRouteBuilder MapTapStatusEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/taps").WithTags("Taps").WithVenueOf(VenueKind.Tap)
            .MapPost("/{id:guid}/status", async (Guid id, ChangeTapStatus.Body body, IMediator m) =>
                TypedResults.Ok(await m.Send(new ChangeTapStatus.Command(id, body.Status, body.Comment))))
            .RequireAuthorization(Policies.Staff);
        return app;
    }
}
