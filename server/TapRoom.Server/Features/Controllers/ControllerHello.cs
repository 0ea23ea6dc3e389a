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
    public sealed record Command(Guid ControllerId, HelloRequest Request) : ICommand<HelloResult>, IControllerRequest;

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
            var controller = await db.Controllers.FirstOrDefaultAsync(c => c.Id == request.ControllerId, cancellationToken)
                ?? throw new NotFoundException("Controller", request.ControllerId);
            var wasOnline = controller.IsOnline;
            controller.IsOnline = true;
            controller.LastSeenAt = now;
            controller.AgentVersion = request.Request.AgentVersion;
            if (!wasOnline) audit.Record(AuditActions.ControllerOnline, "controller", controller.Id, new { request.Request.AgentVersion, request.Request.PendingSyncCount });

            // The taps' status moves by conditional UPDATEs (as every system-made tap change does), so a staff member's
            // change at the same moment is not overwritten.
            var tapIds = await db.Taps.Where(t => t.ControllerId == controller.Id).Select(t => t.Id).ToListAsync(cancellationToken);
            if (request.Request.PendingSyncCount > 0)
            {
                foreach (var tapId in tapIds)
                {
                    var held = await db.Taps.Where(t => t.Id == tapId && t.Status == TapStatus.Active)
                        .ExecuteUpdateAsync(u => u.SetProperty(t => t.Status, TapStatus.ProcessingSync), cancellationToken);
                    if (held == 0) continue;
                    db.NoteTapStatusChange(tapId);
                    audit.Record(AuditActions.TapStatusChanged, "tap", tapId, new { from = TapStatus.Active, to = TapStatus.ProcessingSync, reason = "controller_has_unsynced_pours", request.Request.PendingSyncCount });
                    events.Add(new TapChangedNotification(tapId));
                }
            }
            else
            {
                // Nothing left in the controller's journal (its pours were synced, or refused for good): a tap that
                // waited for them goes back to active unless a pour on it still holds a visit's lock.
                foreach (var tapId in tapIds)
                    await Pours.PourSettlement.ReturnTapIfClearAsync(db, audit, events, tapId, null, cancellationToken);
            }
            events.Add(new ControllerStatusChangedNotification(controller.Id));
            return await ConfigFor(db, location, controller.Id, now, cancellationToken);
        }
    }

    public static async Task<HelloResult> ConfigFor(TapRoomDbContext db, LocationContext location, Guid controllerId, DateTime now, CancellationToken ct)
    {
        var controller = await db.Controllers.AsNoTracking().FirstAsync(c => c.Id == controllerId, ct);
        var venue = await location.GetAsync(controller.LocationId, ct);
        var policies = venue.Policies;
        var currency = venue.Currency;
        var taps = await db.Taps.AsNoTracking().Where(t => t.ControllerId == controllerId).OrderBy(t => t.Number)
            .Select(t => new
            {
                t.Id,
                t.Name,
                t.Status,
                t.PulsesPerLiter,
                Beer = t.Keg != null && t.Keg.Status == KegStatus.Connected ? t.Keg.BeerType : null,
                VenuePrice = t.Keg != null
                    ? db.LocationPrices.Where(p => p.LocationId == t.LocationId && p.BeerTypeId == t.Keg.BeerTypeId).Select(p => (decimal?)p.PricePerLiter).FirstOrDefault()
                    : null,
            }).ToListAsync(ct);
        // Tracked changes of this unit of work win over what is committed.
        var tracked = db.ChangeTracker.Entries<Tap>().ToDictionary(e => e.Entity.Id, e => e.Entity.Status);
        return new HelloResult(controllerId,
            taps.Select(t => new ControllerTapConfig(t.Id, t.Name, tracked.GetValueOrDefault(t.Id, t.Status), t.PulsesPerLiter ?? controller.PulsesPerLiter,
                policies.PerPourCapMl, policies.FlowIdleTimeoutMs,
                t.Beer?.Name, t.Beer?.Style, t.Beer?.Abv, t.Beer is null ? null : t.VenuePrice ?? t.Beer.PricePerLiter, t.Beer is null ? null : currency)).ToList(),
            now);
    }
}
