using MediatR;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Hubs;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>Ask the controller of a tap to close the valve of a pour (staff locked the tap, force-unlock, reconcile).</summary>
public sealed record StopPourRequestedNotification(Guid TapId, Guid PourSessionId, string Reason) : INotification;

/// <summary>Server → controller pushes, sent to the group of the tap's controller only, with the committed state.</summary>
public sealed class ControllerPushes(TapRoomDbContext db, IHubContext<ControllerHub, IControllerClient> hub, LocationContext location, TimeProvider time, TapStatePushQueue tapStates)
    : INotificationHandler<TapStatusChangedNotification>, INotificationHandler<StopPourRequestedNotification>, INotificationHandler<ControllerConfigChangedNotification>
{
    /// <summary>Calibration or settings changed: the controller gets the same configuration Hello would give it.</summary>
    public async Task Handle(ControllerConfigChangedNotification notification, CancellationToken ct)
    {
        if (!await db.Controllers.AnyAsync(c => c.Id == notification.ControllerId, ct)) return;
        var config = await Controllers.ControllerHello.ConfigFor(db, location, notification.ControllerId, time.GetUtcNow().UtcDateTime, ct);
        await hub.Clients.Group(ControllerHub.GroupFor(notification.ControllerId)).ConfigChanged(config);
    }

    /// <summary>
    /// Only a status change reaches the controller (an authorisation or a completion on an active tap changes none), and
    /// it is sent by <see cref="TapStatePushQueue"/> after the caller has its answer.
    /// </summary>
    public Task Handle(TapStatusChangedNotification notification, CancellationToken ct)
    {
        tapStates.Tap(notification.TapId);
        return Task.CompletedTask;
    }

    public async Task Handle(StopPourRequestedNotification notification, CancellationToken ct)
    {
        var controllerId = await db.Taps.AsNoTracking().Where(t => t.Id == notification.TapId).Select(t => t.ControllerId).FirstOrDefaultAsync(ct);
        if (controllerId is null) return;
        await hub.Clients.Group(ControllerHub.GroupFor(controllerId.Value)).StopPour(new StopPourMessage(notification.PourSessionId, notification.Reason));
    }
}
