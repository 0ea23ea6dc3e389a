using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Controllers;

/// <summary>
/// A controller (re)connects: it is marked online, gets its taps and settings, and when it still holds unsynced
/// pours its active taps go <c>processing_sync</c> until they are synced.
/// </summary>
public static class ControllerHello
{
    public sealed record Command(Guid ControllerId, HelloRequest Request) : ICommand<HelloResult>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Request).NotNull();
            RuleFor(x => x.Request.AgentVersion).NotEmpty().MaximumLength(64).When(x => x.Request is not null);
            RuleFor(x => x.Request.PendingSyncCount).InclusiveBetween(0, 1_000_000).When(x => x.Request is not null);
        }
    }

    public sealed class Handler(TapRoomDbContext db, LocationContext location, AuditTrail audit, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, HelloResult>
    {
        public async Task<HelloResult> Handle(Command request, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var controller = await db.Controllers.Include(c => c.Taps).FirstOrDefaultAsync(c => c.Id == request.ControllerId, cancellationToken)
                ?? throw new NotFoundException("Controller", request.ControllerId);
            var wasOnline = controller.IsOnline;
            controller.IsOnline = true;
            controller.LastSeenAt = now;
            controller.AgentVersion = request.Request.AgentVersion;
            if (!wasOnline) audit.Record(AuditActions.ControllerOnline, "controller", controller.Id, new { request.Request.AgentVersion, request.Request.PendingSyncCount });

            if (request.Request.PendingSyncCount > 0)
            {
                foreach (var tap in controller.Taps.Where(t => t.Status == TapStatus.Active))
                {
                    tap.Status = TapStatus.ProcessingSync;
                    audit.Record(AuditActions.TapStatusChanged, "tap", tap.Id, new { from = TapStatus.Active, to = TapStatus.ProcessingSync, reason = "controller_has_unsynced_pours", request.Request.PendingSyncCount });
                    events.Add(new TapChangedNotification(tap.Id));
                }
            }
            else
            {
                // Nothing left in the controller's journal (its pours were synced, or refused for good): a tap that
                // waited for them goes back to active unless a pour on it still holds a visit's lock.
                foreach (var tap in controller.Taps.Where(t => t.Status == TapStatus.ProcessingSync))
                    await Pours.PourSettlement.ReturnTapIfClearAsync(db, audit, events, tap, null, cancellationToken);
            }
            events.Add(new ControllerStatusChangedNotification(controller.Id));
            return await ConfigFor(db, location, controller.Id, now, cancellationToken);
        }
    }

    public static async Task<HelloResult> ConfigFor(TapRoomDbContext db, LocationContext location, Guid controllerId, DateTime now, CancellationToken ct)
    {
        var policies = await location.PoliciesAsync(ct);
        var controller = await db.Controllers.AsNoTracking().FirstAsync(c => c.Id == controllerId, ct);
        var currency = await db.Locations.AsNoTracking().Select(l => l.Currency).FirstOrDefaultAsync(ct);
        var taps = await db.Taps.AsNoTracking().Where(t => t.ControllerId == controllerId).OrderBy(t => t.Number)
            .Select(t => new
            {
                t.Id,
                t.Name,
                t.Status,
                Beer = t.Keg != null && t.Keg.Status == KegStatus.Connected ? t.Keg.BeerType : null,
            }).ToListAsync(ct);
        // Tracked changes of this unit of work win over what is committed.
        var tracked = db.ChangeTracker.Entries<Tap>().ToDictionary(e => e.Entity.Id, e => e.Entity.Status);
        return new HelloResult(controllerId,
            taps.Select(t => new ControllerTapConfig(t.Id, t.Name, tracked.GetValueOrDefault(t.Id, t.Status), controller.PulsesPerLiter,
                policies.PerPourCapMl, policies.FlowIdleTimeoutMs,
                t.Beer?.Name, t.Beer?.Style, t.Beer?.Abv, t.Beer?.PricePerLiter, t.Beer is null ? null : currency)).ToList(),
            now);
    }
}
