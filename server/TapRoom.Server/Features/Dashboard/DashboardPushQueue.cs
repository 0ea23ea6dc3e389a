using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Hubs;

namespace TapRoom.Server.Features.Dashboard;

/// <summary>
/// Dashboard pushes, coalesced and off the caller's path (ADR 0036). A committed change only marks its subject (tap,
/// visit, keg, …) dirty here and returns, so the controller gets its answer before any push is prepared. One loop
/// wakes at the first mark, waits <see cref="Window"/> for more, then reads the committed state of every dirty subject
/// with one query per kind and sends it to every dashboard: one subject as the single push (<c>TapUpdated</c>), several as
/// a batch (<c>TapUpdatedBatch { items }</c>), always the latest state of each subject changed in the window. Progress
/// is a value, not state: the highest volume per pour in the window is sent. Because one loop sends everything, a later
/// send always carries state at least as new as an earlier one (SignalR keeps the order on a connection).
/// </summary>
public sealed class DashboardPushQueue(IServiceScopeFactory scopes, IHubContext<DashboardHub, IDashboardClient> hub, TimeProvider time, Infrastructure.VenueDirectory venues, ILogger<DashboardPushQueue> log)
    : BackgroundService
{
    /// <summary>How long the loop collects marks after the first one (CONTRACT.md allows at most 100 ms).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(40);

    private readonly object _lock = new();
    private Dirty _dirty = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _sending = new(1, 1);

    private sealed class Dirty
    {
        public readonly HashSet<Guid> Taps = [], Visits = [], Kegs = [], Shifts = [], Controllers = [];
        public readonly Dictionary<Guid, bool> Alerts = [];
        public readonly Dictionary<Guid, PourProgressPush> Progress = [];
        public bool SyncQueue, PosOutbox;
        public bool Any;
    }

    public void Tap(Guid id) => Mark(d => d.Taps.Add(id));
    public void Visit(Guid id) => Mark(d => d.Visits.Add(id));
    public void Keg(Guid id) => Mark(d => d.Kegs.Add(id));
    public void Shift(Guid id) => Mark(d => d.Shifts.Add(id));
    public void Controller(Guid id) => Mark(d => d.Controllers.Add(id));
    public void SyncQueue() => Mark(d => d.SyncQueue = true);
    public void PosOutbox() => Mark(d => d.PosOutbox = true);
    public void Alert(Guid id, bool isNew) => Mark(d => d.Alerts[id] = isNew || d.Alerts.GetValueOrDefault(id));

    public void Progress(PourProgressPush push) => Mark(d =>
    {
        if (!d.Progress.TryGetValue(push.PourSessionId, out var queued) || queued.VolumeMl <= push.VolumeMl) d.Progress[push.PourSessionId] = push;
    });

    private void Mark(Action<Dirty> change)
    {
        lock (_lock)
        {
            change(_dirty);
            if (_dirty.Any) return;
            _dirty.Any = true;
        }
        try { _wake.Release(); } catch (SemaphoreFullException) { }
    }

    /// <summary>
    /// Holds every send until the returned handle is disposed; what is marked meanwhile goes out as one window.
    /// For tests that need one window without depending on timing.
    /// </summary>
    public async Task<IAsyncDisposable> HoldAsync()
    {
        await _sending.WaitAsync();
        return new Release(_sending);
    }

    private sealed class Release(SemaphoreSlim gate) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            gate.Release();
            return ValueTask.CompletedTask;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _wake.WaitAsync(stoppingToken);
                await Task.Delay(Window, stoppingToken);
                await _sending.WaitAsync(stoppingToken);
                try
                {
                    Dirty batch;
                    lock (_lock) (batch, _dirty) = (_dirty, new Dirty());
                    await SendAsync(batch, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failed push is not retried: every dashboard reloads state over REST when it reconnects.
                    log.LogWarning(ex, "Sending dashboard pushes failed");
                }
                finally
                {
                    _sending.Release();
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>The dashboards that may hear of a venue's things: its own group and the chain's admins (DashboardHub).</summary>
    private IDashboardClient To(Guid venue) => hub.Clients.Groups(DashboardHub.VenueGroup(venue), DashboardHub.ChainGroup);

    /// <summary>Each venue's items to its own dashboards only, one push or batch per venue.</summary>
    private async Task SendPerVenueAsync<T>(List<T> items, Func<T, Guid> venueOf, Func<IDashboardClient, Func<T, Task>> single,
        Func<IDashboardClient, Func<PushBatch<T>, Task>> batch)
    {
        foreach (var group in items.GroupBy(venueOf))
        {
            var to = To(group.Key);
            await SendAsync(group.ToList(), single(to), batch(to));
        }
    }

    private async Task SendAsync(Dirty d, CancellationToken ct)
    {
        // Most windows carry progress only (a value held in memory): no scope and no context for those.
        var readsState = d.Controllers.Count + d.Alerts.Count + d.Kegs.Count + d.Visits.Count + d.Taps.Count + d.Shifts.Count > 0 || d.SyncQueue || d.PosOutbox;
        using var scope = readsState ? scopes.CreateScope() : null;
        var db = scope?.ServiceProvider.GetRequiredService<TapRoomDbContext>()!;

        if (d.Controllers.Count > 0)
        {
            await SendPerVenueAsync(await ReadModels.ControllersAsync(db, d.Controllers, ct), c => c.LocationId, to => to.ControllerStatusChanged, to => to.ControllerStatusChangedBatch);
            // A controller going on- or offline changes the online flag of every tap it serves.
            var ids = d.Controllers.ToList();
            d.Taps.UnionWith(await db.Taps.AsNoTracking().Where(t => t.ControllerId != null && ids.Contains(t.ControllerId.Value)).Select(t => t.Id).ToListAsync(ct));
        }
        if (d.Alerts.Count > 0)
        {
            var ids = d.Alerts.Keys.ToList();
            var alerts = await ReadModels.Alerts(db, db.Alerts.Where(a => ids.Contains(a.Id)), time.GetUtcNow().UtcDateTime).ToListAsync(ct);
            await SendPerVenueAsync(alerts.Where(a => d.Alerts[a.Id]).ToList(), a => a.LocationId, to => to.AlertRaised, to => to.AlertRaisedBatch);
            await SendPerVenueAsync(alerts.Where(a => !d.Alerts[a.Id]).ToList(), a => a.LocationId, to => to.AlertUpdated, to => to.AlertUpdatedBatch);
        }
        if (d.Kegs.Count > 0) await SendPerVenueAsync(await ReadModels.KegsAsync(db, d.Kegs, ct), k => k.LocationId, to => to.KegUpdated, to => to.KegUpdatedBatch);
        if (d.Visits.Count > 0) await SendPerVenueAsync(await ReadModels.VisitsAsync(db, d.Visits, ct), v => v.LocationId, to => to.VisitUpdated, to => to.VisitUpdatedBatch);
        if (d.Taps.Count > 0) await SendPerVenueAsync(await ReadModels.TapsAsync(db, d.Taps, ct), t => t.LocationId, to => to.TapUpdated, to => to.TapUpdatedBatch);
        if (d.Shifts.Count > 0)
        {
            var shifts = new List<ShiftDto>();
            foreach (var id in d.Shifts)
                if (await ReadModels.ShiftAsync(db, id, ct) is { } shift) shifts.Add(shift);
            await SendPerVenueAsync(shifts, s => s.LocationId, to => to.ShiftUpdated, to => to.ShiftUpdatedBatch);
        }
        if (d.SyncQueue || d.PosOutbox)
        {
            // Counts are per venue: each venue's dashboards get their own, the chain's admins the sum.
            var venues = await db.Locations.AsNoTracking().Select(l => l.Id).ToListAsync(ct);
            if (d.SyncQueue)
            {
                var counts = await PendingSync.CountsAsync(db, ct);
                foreach (var venue in venues)
                    await hub.Clients.Group(DashboardHub.VenueGroup(venue)).SyncQueueChanged(new SyncQueueChangedMessage(counts.GetValueOrDefault(venue)));
                await hub.Clients.Group(DashboardHub.ChainGroup).SyncQueueChanged(new SyncQueueChangedMessage(counts.Values.Sum()));
            }
            if (d.PosOutbox)
            {
                var pending = (await PosPendingQuery(db, ct)).ToDictionary(c => c.LocationId, c => c.Count);
                var failing = (await PosFailingQuery(db, ct)).ToDictionary(c => c.LocationId, c => c.Count);
                foreach (var venue in venues)
                    await hub.Clients.Group(DashboardHub.VenueGroup(venue)).PosOutboxChanged(
                        new PosOutboxChangedMessage(pending.GetValueOrDefault(venue), failing.GetValueOrDefault(venue)));
                await hub.Clients.Group(DashboardHub.ChainGroup).PosOutboxChanged(new PosOutboxChangedMessage(pending.Values.Sum(), failing.Values.Sum()));
            }
        }
        if (d.Progress.Count > 0)
        {
            var progress = d.Progress.Values.ToList();
            var venueOf = new Dictionary<Guid, Guid>();
            foreach (var p in progress) venueOf[p.TapId] = await venues.TapLocationAsync(p.TapId, ct);
            await SendPerVenueAsync(progress, p => venueOf[p.TapId], to => to.PourProgress, to => to.PourProgressBatch);
        }
    }

    // Asked by every window with a POS change (each pour settled enqueues one), prepared once (Infrastructure/HotQuery).
    private static readonly Func<TapRoomDbContext, CancellationToken, Task<List<VenueCount>>> PosPendingQuery = Infrastructure.HotQuery.CreateList(
        (TapRoomDbContext db) => db.PosOutbox.Where(e => e.Status == PosOutboxStatus.Pending).GroupBy(e => e.LocationId).Select(g => new VenueCount(g.Key, g.Count())));

    private static readonly Func<TapRoomDbContext, CancellationToken, Task<List<VenueCount>>> PosFailingQuery = Infrastructure.HotQuery.CreateList(
        (TapRoomDbContext db) => db.PosOutbox.Where(e => e.Status == PosOutboxStatus.Dead
            || (e.Status == PosOutboxStatus.Pending && e.Attempts > 0 && e.LastError != null)).GroupBy(e => e.LocationId).Select(g => new VenueCount(g.Key, g.Count())));

    private static async Task SendAsync<T>(List<T> items, Func<T, Task> single, Func<PushBatch<T>, Task> batch)
    {
        if (items.Count == 1) await single(items[0]);
        else if (items.Count > 1) await batch(new PushBatch<T>(items));
    }
}
