using MediatR;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Hubs;

namespace TapRoom.Server.Features.Dashboard;

/// <summary>
/// Turns the committed-state notifications into dashboard pushes. Each handler reads the state it pushes through
/// <see cref="ReadModels"/> (the same projection REST returns), so a late or repeated push is never stale.
/// </summary>
public sealed class DashboardPushes(TapRoomDbContext db, IHubContext<DashboardHub, IDashboardClient> hub, DashboardPushGate gate, TimeProvider time)
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
    private IDashboardClient All => hub.Clients.All;

    public Task Handle(TapChangedNotification n, CancellationToken ct) => PushTapsAsync([n.TapId], ct);

    public Task Handle(VisitChangedNotification n, CancellationToken ct) =>
        gate.RunAsync("visit", n.VisitId, async () =>
        {
            foreach (var visit in await ReadModels.VisitsAsync(db, [n.VisitId], ct)) await All.VisitUpdated(visit);
        }, ct);

    public Task Handle(KegChangedNotification n, CancellationToken ct) =>
        gate.RunAsync("keg", n.KegId, async () =>
        {
            var keg = await ReadModels.Kegs(db.Kegs.Where(k => k.Id == n.KegId)).FirstOrDefaultAsync(ct);
            if (keg is not null) await All.KegUpdated(keg);
        }, ct);

    public Task Handle(ShiftChangedNotification n, CancellationToken ct) =>
        gate.RunAsync("shift", n.ShiftId, async () =>
        {
            var shift = await ReadModels.ShiftAsync(db, n.ShiftId, ct);
            if (shift is not null) await All.ShiftUpdated(shift);
        }, ct);

    public Task Handle(SyncQueueChangedNotification n, CancellationToken ct) =>
        gate.RunAsync("sync", Guid.Empty, async () =>
            await All.SyncQueueChanged(new SyncQueueChangedMessage(await PendingSync.CountAsync(db, ct))), ct);

    public Task Handle(PosOutboxChangedNotification n, CancellationToken ct) =>
        gate.RunAsync("pos", Guid.Empty, async () =>
        {
            var pending = await db.PosOutbox.CountAsync(e => e.Status == PosOutboxStatus.Pending, ct);
            var failing = await db.PosOutbox.CountAsync(e => e.Status == PosOutboxStatus.Dead || (e.Status == PosOutboxStatus.Pending && e.Attempts > 0 && e.LastError != null), ct);
            await All.PosOutboxChanged(new PosOutboxChangedMessage(pending, failing));
        }, ct);

    /// <summary>Progress is a value, not a read of state: sent as it came. Browsers keep the highest volume per pour.</summary>
    public Task Handle(PourProgressNotification n, CancellationToken ct) =>
        All.PourProgress(new PourProgressPush(n.PourSessionId, n.TapId, n.VisitId, n.VolumeMl, n.At));

    public Task Handle(CardReadNotification n, CancellationToken ct) => All.CardRead(n.Message);

    public Task Handle(CardRemovedNotification n, CancellationToken ct) => All.CardRemoved(n.Message);

    public Task Handle(AlertChangedNotification n, CancellationToken ct) =>
        gate.RunAsync("alert", n.AlertId, async () =>
        {
            var alert = await ReadModels.Alerts(db, db.Alerts.Where(a => a.Id == n.AlertId), time.GetUtcNow().UtcDateTime).FirstOrDefaultAsync(ct);
            if (alert is null) return;
            if (n.IsNew) await All.AlertRaised(alert);
            else await All.AlertUpdated(alert);
        }, ct);

    /// <summary>A controller going on- or offline changes the online flag of every tap it serves: those are pushed too.</summary>
    public async Task Handle(ControllerStatusChangedNotification n, CancellationToken ct)
    {
        await gate.RunAsync("controller", n.ControllerId, async () =>
        {
            foreach (var controller in await ReadModels.ControllersAsync(db, [n.ControllerId], ct)) await All.ControllerStatusChanged(controller);
        }, ct);
        var tapIds = await db.Taps.AsNoTracking().Where(t => t.ControllerId == n.ControllerId).Select(t => t.Id).ToListAsync(ct);
        await PushTapsAsync(tapIds, ct);
    }

    private async Task PushTapsAsync(IReadOnlyCollection<Guid> tapIds, CancellationToken ct)
    {
        foreach (var tapId in tapIds)
        {
            await gate.RunAsync("tap", tapId, async () =>
            {
                foreach (var tap in await ReadModels.TapsAsync(db, [tapId], ct)) await All.TapUpdated(tap);
            }, ct);
        }
    }
}
