using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Faults;

/// <summary>
/// Found by the load driver: a controller says Hello once per connection, so the heartbeat sweep used to report every
/// connected controller offline (with a controller_offline alert, critical while pouring) 30 s after it connected.
/// </summary>
public sealed class HeartbeatTests
{
    [Fact]
    public async Task A_connected_controller_stays_online_past_the_heartbeat_timeout_and_goes_offline_once_its_connection_is_gone()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, controller, client) = await world.TapWithControllerAsync();
        var guest = await world.GuestAsync();
        var allow = await client.Authorize(PourWorld.Present(tap, guest));
        Assert.True(allow.Allowed, allow.Message);

        world.Host.Time.Advance(TimeSpan.FromSeconds(95));
        var swept = await world.Host.SendAsync(new SweepControllerHeartbeats.Command());
        Assert.Empty(swept.MarkedOffline);
        var seen = await world.DbAsync(db => db.Controllers.AsNoTracking().SingleAsync(c => c.Id == controller.Id));
        Assert.Equal((true, (DateTime?)world.Now), (seen.IsOnline, seen.LastSeenAt));
        Assert.False(await world.DbAsync(db => db.Alerts.AnyAsync()));

        await client.Connection.StopAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyList<Guid> marked = [];
        while (marked.Count == 0 && DateTime.UtcNow < deadline)
        {
            // The server may record the disconnect (and its last-seen time) a moment after StopAsync returns: each
            // attempt moves the clock past the heartbeat timeout again, so the sweep always judges a stale last-seen.
            world.Host.Time.Advance(TimeSpan.FromSeconds(95));
            marked = (await world.Host.SendAsync(new SweepControllerHeartbeats.Command())).MarkedOffline;
            if (marked.Count == 0) await Task.Delay(20);
        }
        Assert.Equal([controller.Id], marked);
        var alert = await world.DbAsync(db => db.Alerts.AsNoTracking().SingleAsync());
        Assert.Equal(("controller_offline", AlertSeverity.Critical), (alert.Type, alert.Severity));
    }
}
