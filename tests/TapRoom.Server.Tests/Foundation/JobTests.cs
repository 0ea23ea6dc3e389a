using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Foundation;

public sealed class JobTests
{
    private static async Task<Guid> AddControllerAsync(TapRoomHost host, DateTime? lastSeen, bool online = true)
    {
        var id = Guid.NewGuid();
        await host.DbAsync(async db =>
        {
            var location = await db.Locations.FirstAsync();
            db.Controllers.Add(new Controller
            {
                Id = id, LocationId = location.Id, Name = "ctl-" + id.ToString("N")[..6], ApiKeyHash = Guid.NewGuid().ToString("N"),
                ApiKeyPrefix = "trk_", IsOnline = online, LastSeenAt = lastSeen, CreatedAt = host.Time.GetUtcNow().UtcDateTime,
            });
            await db.SaveChangesAsync();
        });
        return id;
    }

    [Fact]
    public async Task The_heartbeat_sweep_marks_silent_controllers_offline_once_with_an_alert_and_an_audit_event()
    {
        await using var host = await TapRoomHost.StartAsync();
        var now = host.Time.GetUtcNow().UtcDateTime;
        var silent = await AddControllerAsync(host, now.AddSeconds(-31));
        var fresh = await AddControllerAsync(host, now.AddSeconds(-5));

        var first = await host.SendAsync(new SweepControllerHeartbeats.Command());
        Assert.Equal([silent], first.MarkedOffline);
        var second = await host.SendAsync(new SweepControllerHeartbeats.Command());
        Assert.Empty(second.MarkedOffline);

        Assert.False(await host.DbAsync(db => db.Controllers.Where(c => c.Id == silent).Select(c => c.IsOnline).SingleAsync()));
        Assert.True(await host.DbAsync(db => db.Controllers.Where(c => c.Id == fresh).Select(c => c.IsOnline).SingleAsync()));
        var alert = await host.DbAsync(db => db.Alerts.SingleAsync());
        Assert.Equal(("controller_offline", AlertSeverity.Warning, silent, 1), (alert.Type, alert.Severity, alert.SubjectId, alert.OccurrenceCount));
        Assert.Equal(1, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "controller.offline" && e.SubjectId == silent)));

        host.Time.Advance(TimeSpan.FromSeconds(30));
        var third = await host.SendAsync(new SweepControllerHeartbeats.Command());
        Assert.Equal([fresh], third.MarkedOffline);
    }

    [Fact]
    public async Task The_scheduler_runs_the_heartbeat_job_inside_the_server()
    {
        await using var host = await TapRoomHost.StartAsync(s =>
        {
            s["TapRoom:Jobs:Enabled"] = "true";
            s["TapRoom:Jobs:HeartbeatSweepSeconds"] = "1";
        });
        // The application's clock far behind the real one: the scheduler must still fire on real time.
        host.Time.Set(DateTimeOffset.UtcNow.AddDays(-10));
        var silent = await AddControllerAsync(host, host.Time.GetUtcNow().UtcDateTime.AddMinutes(-5));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && await host.DbAsync(db => db.Controllers.Where(c => c.Id == silent).Select(c => c.IsOnline).SingleAsync()))
            await Task.Delay(100);

        Assert.False(await host.DbAsync(db => db.Controllers.Where(c => c.Id == silent).Select(c => c.IsOnline).SingleAsync()));
        Assert.Equal("system", await host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "controller.offline").Select(e => e.ActorType).SingleAsync()));
    }
}
