using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Hubs;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// <c>TapStateChanged</c> pushes to controllers, off the caller's path (answer first, push later: ADR 0036). A committed
/// change of a tap's status (<see cref="TapStatusChangedNotification"/>, raised from the change tracker) only marks the
/// tap here; one loop reads the committed status of every marked tap with one query and sends each to its controller's
/// group. An authorisation or a completion on an active tap changes no status and marks nothing (before, each of the
/// 160 a second at the target load sent one). Marks that arrive while a send runs go out with the next one, so the last
/// push for a tap always carries its latest committed status (SignalR keeps the order on a connection).
/// </summary>
public sealed class TapStatePushQueue(IServiceScopeFactory scopes, IHubContext<ControllerHub, IControllerClient> hub, ILogger<TapStatePushQueue> log)
    : BackgroundService
{
    private readonly object _lock = new();
    private HashSet<Guid> _dirty = [];
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Tap(Guid tapId)
    {
        lock (_lock)
        {
            if (!_dirty.Add(tapId) || _dirty.Count > 1) return;
        }
        try { _wake.Release(); } catch (SemaphoreFullException) { }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _wake.WaitAsync(stoppingToken);
                HashSet<Guid> taps;
                lock (_lock) (taps, _dirty) = (_dirty, []);
                if (taps.Count == 0) continue;
                try
                {
                    await SendAsync(taps, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Not retried: a controller gets every tap's status again with its next Hello.
                    log.LogWarning(ex, "Sending tap states to controllers failed");
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task SendAsync(HashSet<Guid> taps, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        var ids = taps.ToList();
        var states = await db.Taps.AsNoTracking().Where(t => ids.Contains(t.Id) && t.ControllerId != null)
            .Select(t => new { t.Id, ControllerId = t.ControllerId!.Value, t.Status }).ToListAsync(ct);
        foreach (var tap in states)
            await hub.Clients.Group(ControllerHub.GroupFor(tap.ControllerId)).TapStateChanged(new TapStateChangedMessage(tap.Id, tap.Status));
    }
}
