using MediatR;
using Microsoft.AspNetCore.SignalR;
using TapRoom.Contracts;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Hubs;

namespace TapRoom.Server.Features.Dashboard;

/// <summary>
/// Turns the committed-state notifications into dashboard pushes. State changes only mark their subject in the
/// <see cref="DashboardPushQueue"/>, which reads the committed state through <see cref="ReadModels"/> (the same
/// projection REST returns) after the caller was answered and sends the latest per subject, coalesced: a late or
/// repeated push is never stale. Card reader events are sent as they come.
/// </summary>
public sealed class DashboardPushes(IHubContext<DashboardHub, IDashboardClient> hub, DashboardPushQueue queue, Infrastructure.VenueDirectory venues)
    : INotificationHandler<TapChangedNotification>,
      INotificationHandler<VisitChangedNotification>,
      INotificationHandler<KegChangedNotification>,
      INotificationHandler<ShiftChangedNotification>,
      INotificationHandler<SyncQueueChangedNotification>,
      INotificationHandler<PosOutboxChangedNotification>,
      INotificationHandler<PourProgressNotification>,
      INotificationHandler<CardReadNotification>,
      INotificationHandler<CardRemovedNotification>,
      INotificationHandler<AlertChangedNotification>,
      INotificationHandler<ControllerStatusChangedNotification>
{
    /// <summary>The dashboards of the reader's venue (and the chain's admins).</summary>
    private async Task<IDashboardClient> DashboardsOf(Guid? controllerId, CancellationToken ct) =>
        controllerId is { } id ? hub.Clients.Groups(DashboardHub.VenueGroup(await venues.ControllerLocationAsync(id, ct)), DashboardHub.ChainGroup) : hub.Clients.All;

    public Task Handle(TapChangedNotification n, CancellationToken ct) => Done(() => queue.Tap(n.TapId));

    public Task Handle(VisitChangedNotification n, CancellationToken ct) => Done(() => queue.Visit(n.VisitId));

    public Task Handle(KegChangedNotification n, CancellationToken ct) => Done(() => queue.Keg(n.KegId));

    public Task Handle(ShiftChangedNotification n, CancellationToken ct) => Done(() => queue.Shift(n.ShiftId));

    public Task Handle(SyncQueueChangedNotification n, CancellationToken ct) => Done(queue.SyncQueue);

    public Task Handle(PosOutboxChangedNotification n, CancellationToken ct) => Done(queue.PosOutbox);

    /// <summary>Progress is a value, not a read of state: the highest volume per pour in the window is sent.</summary>
    public Task Handle(PourProgressNotification n, CancellationToken ct) =>
        Done(() => queue.Progress(new PourProgressPush(n.PourSessionId, n.TapId, n.VisitId, n.VolumeMl, n.At)));

    public async Task Handle(CardReadNotification n, CancellationToken ct) => await (await DashboardsOf(n.ControllerId, ct)).CardRead(n.Message);

    public async Task Handle(CardRemovedNotification n, CancellationToken ct) => await (await DashboardsOf(n.ControllerId, ct)).CardRemoved(n.Message);

    public Task Handle(AlertChangedNotification n, CancellationToken ct) => Done(() => queue.Alert(n.AlertId, n.IsNew));

    /// <summary>A controller going on- or offline changes the online flag of every tap it serves: those are pushed too.</summary>
    public Task Handle(ControllerStatusChangedNotification n, CancellationToken ct) => Done(() => queue.Controller(n.ControllerId));

    private static Task Done(Action mark)
    {
        mark();
        return Task.CompletedTask;
    }
}
