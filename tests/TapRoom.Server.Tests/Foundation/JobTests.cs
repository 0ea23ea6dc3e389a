using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Controllers;
using System.Net;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Hosting;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Jobs;
using TapRoom.Server.Tests.Infrastructure;
using TapRoom.Server.Tests.Kegs;
using TapRoom.Server.Tests.Pos;
using TapRoom.Server.Tests.Pours;

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

    // ---- Every job through Hangfire in the real host: it runs, a second run changes nothing, and after a restart it
    // finds its work in the database (Hangfire's in-memory storage starts empty). Time is the host's ManualTimeProvider;
    // Hangfire itself runs on the wall clock, the test triggers the recurring job the way the dashboard does.

    [Fact]
    public async Task Hangfire_runs_the_heartbeat_sweep_once_in_effect_and_after_a_restart_finds_its_work_in_the_database()
    {
        await using var host = await TapRoomHost.StartAsync(TapRoomHost.TriggeredJobsOnly);
        var now = host.Time.GetUtcNow().UtcDateTime;
        var silent = await AddControllerAsync(host, now.AddSeconds(-31));
        var fresh = await AddControllerAsync(host, now.AddSeconds(-5));
        await host.RestartAsync(TapRoomHost.TriggeredJobsOnly);

        Assert.Equal("Succeeded", await host.RunJobAsync("heartbeat-sweep"));
        Assert.False(await host.DbAsync(db => db.Controllers.Where(c => c.Id == silent).Select(c => c.IsOnline).SingleAsync()));
        Assert.True(await host.DbAsync(db => db.Controllers.Where(c => c.Id == fresh).Select(c => c.IsOnline).SingleAsync()));

        Assert.Equal("Succeeded", await host.RunJobAsync("heartbeat-sweep"));
        var alert = await host.DbAsync(db => db.Alerts.SingleAsync());
        Assert.Equal(("controller_offline", silent, 1), (alert.Type, alert.SubjectId, alert.OccurrenceCount));
        var audit = await host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "controller.offline").Select(e => new { e.SubjectId, e.ActorType }).ToListAsync());
        Assert.Equal([(silent, "system")], audit.Select(a => (a.SubjectId, a.ActorType)));
    }

    [Fact]
    public async Task Hangfire_runs_the_lock_timeout_sweep_once_in_effect_and_after_a_restart_finds_its_work_in_the_database()
    {
        var jobs = new Dictionary<string, string?>();
        TapRoomHost.TriggeredJobsOnly(jobs);
        await using var world = await PourWorld.StartAsync(configure: b => b.Configuration.AddInMemoryCollection(jobs));
        var (tap, _, client) = await world.TapWithControllerAsync();
        var allow = await client.Authorize(PourWorld.Present(tap, await world.GuestAsync()));
        var sessionId = allow.PourSessionId!.Value;
        world.Host.Time.Advance(TimeSpan.FromSeconds(121));
        // The controller goes away first: a host stopping under an open controller connection can wait out its whole
        // shutdown timeout (seen since the hot-path merge; noted for the next round). This test is about the restart's
        // database, not about shutdown.
        await client.Connection.StopAsync();
        await world.Host.RestartAsync(TapRoomHost.TriggeredJobsOnly);

        Assert.Equal("Succeeded", await world.Host.RunJobAsync("lock-timeout-sweep"));
        Assert.NotNull(await world.DbAsync(db => db.PourSessions.Where(p => p.Id == sessionId).Select(p => p.TimedOutAt).SingleAsync()));
        Assert.Equal(TapStatus.ProcessingSync, await world.DbAsync(db => db.Taps.Where(t => t.Id == tap.TapId).Select(t => t.Status).SingleAsync()));

        Assert.Equal("Succeeded", await world.Host.RunJobAsync("lock-timeout-sweep"));
        Assert.Equal(1, await world.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.PourTimedOut)));
        Assert.Equal(1, await world.DbAsync(db => db.Alerts.Where(a => a.Type == AlertTypes.LockTimeout).Select(a => a.OccurrenceCount).SingleAsync()));
    }

    [Fact]
    public async Task Hangfire_runs_the_keg_threshold_sweep_once_in_effect_and_after_a_restart_finds_its_work_in_the_database()
    {
        await using var host = await TapRoomHost.StartAsync(TapRoomHost.TriggeredJobsOnly);
        Guid kegId;
        using (var manager = await host.SignInAsAsync(StaffRole.Manager))
        {
            var beer = await KegKit.CreateBeerAsync(manager, "Dunkel");
            var tap = await KegKit.CreateTapAsync(manager, "Tap Dunkel");
            kegId = (await KegKit.ReceiveAsync(manager, beer.Id, 10_000)).Id;
            await KegKit.ConnectAsync(manager, tap.Id, kegId);
        }
        await host.SetRemainingAsync(kegId, 1000); // no event reported it: only the sweep can find it
        await host.RestartAsync(TapRoomHost.TriggeredJobsOnly);
        Assert.Empty(await host.KegAlertsAsync(kegId));

        Assert.Equal("Succeeded", await host.RunJobAsync("keg-threshold-sweep"));
        Assert.Equal("Succeeded", await host.RunJobAsync("keg-threshold-sweep"));

        var alert = Assert.Single(await host.KegAlertsAsync(kegId));
        Assert.Equal((AlertSeverity.Warning, 1), (alert.Severity, alert.OccurrenceCount));
        Assert.Equal(1, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "alert.raised" && e.ActorType == "system")));
    }

    [Fact]
    public async Task Hangfire_runs_the_pos_outbox_delivery_once_in_effect_and_after_a_restart_finds_its_work_in_the_database()
    {
        await using var receiver = await PosReceiver.StartAsync(failFirst: 1);
        var settings = PosArrange.Webhook(receiver, TapRoomHost.TriggeredJobsOnly);
        await using var host = await TapRoomHost.StartAsync(settings);
        var ids = await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.TopUp, PosOutboxKind.Pour);
        await host.RestartAsync(settings);
        Assert.Empty(receiver.Requests);

        // First run: the till refuses the first entry (a retry is due later), takes the second.
        Assert.Equal("Succeeded", await host.RunJobAsync("pos-outbox"));
        Assert.Equal((PosOutboxStatus.Pending, 1), await StatusAsync(ids[0]));
        Assert.Equal((PosOutboxStatus.Sent, 1), await StatusAsync(ids[1]));

        // Run again at once: nothing is due, the till hears nothing.
        var heard = receiver.Requests.Count;
        Assert.Equal("Succeeded", await host.RunJobAsync("pos-outbox"));
        Assert.Equal(heard, receiver.Requests.Count);

        // The retry is due by the application's clock; the run after that delivers it, once.
        host.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal("Succeeded", await host.RunJobAsync("pos-outbox"));
        Assert.Equal("Succeeded", await host.RunJobAsync("pos-outbox"));
        Assert.Equal((PosOutboxStatus.Sent, 2), await StatusAsync(ids[0]));
        Assert.Equal(heard + 1, receiver.Requests.Count);
        Assert.All(receiver.Applied.Values, times => Assert.Equal(1, times));
        Assert.Equal(2, receiver.Applied.Count);

        async Task<(PosOutboxStatus, int)> StatusAsync(long id)
        {
            var entry = await PosArrange.EntryAsync(host, id);
            return (entry.Status, entry.Attempts);
        }
    }

    [Fact]
    public async Task A_run_that_finds_the_previous_run_of_its_job_still_going_skips()
    {
        await using var host = await TapRoomHost.StartAsync(TapRoomHost.TriggeredJobsOnly);
        var silent = await AddControllerAsync(host, host.Time.GetUtcNow().UtcDateTime.AddMinutes(-5));
        var storage = host.Services.GetRequiredService<JobStorage>();

        using (var connection = storage.GetConnection())
        using (connection.AcquireDistributedLock("taproom:job:" + nameof(HeartbeatSweepJob), TimeSpan.FromSeconds(5)))
        {
            Assert.Equal("Succeeded", await host.RunJobAsync("heartbeat-sweep"));
            Assert.True(await host.DbAsync(db => db.Controllers.Where(c => c.Id == silent).Select(c => c.IsOnline).SingleAsync()));
        }

        Assert.Equal("Succeeded", await host.RunJobAsync("heartbeat-sweep"));
        Assert.False(await host.DbAsync(db => db.Controllers.Where(c => c.Id == silent).Select(c => c.IsOnline).SingleAsync()));
    }

    [Fact]
    public async Task Hangfire_fires_a_job_every_second_on_the_wall_clock_while_the_application_clock_stands_still()
    {
        await using var host = await TapRoomHost.StartAsync(s =>
        {
            s["TapRoom:Jobs:Enabled"] = "true";
            s["TapRoom:Jobs:HeartbeatSweepSeconds"] = "1";
        });
        // The application's clock far behind the real one: the schedule still fires on real time.
        host.Time.Set(DateTimeOffset.UtcNow.AddDays(-10));
        var silent = await AddControllerAsync(host, host.Time.GetUtcNow().UtcDateTime.AddMinutes(-5));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && await host.DbAsync(db => db.Controllers.Where(c => c.Id == silent).Select(c => c.IsOnline).SingleAsync()))
            await Task.Delay(100);

        Assert.False(await host.DbAsync(db => db.Controllers.Where(c => c.Id == silent).Select(c => c.IsOnline).SingleAsync()));
        Assert.Equal("system", await host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "controller.offline").Select(e => e.ActorType).SingleAsync()));
    }

    [Fact]
    public async Task Turned_off_jobs_register_nothing_and_run_nowhere()
    {
        await using var host = await TapRoomHost.StartAsync(s => s["TapRoom:Jobs:Enabled"] = "false");
        using var connection = host.Services.GetRequiredService<JobStorage>().GetConnection();
        Assert.Empty(connection.GetRecurringJobs());
        Assert.Empty(host.Services.GetServices<IHostedService>().OfType<Hangfire.BackgroundJobServerHostedService>());
    }

    [Fact]
    public async Task The_hangfire_dashboard_lets_only_admins_in()
    {
        await using var host = await TapRoomHost.StartAsync(TapRoomHost.TriggeredJobsOnly);
        using var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/hangfire")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/hangfire/recurring")).StatusCode);
        foreach (var role in new[] { StaffRole.Staff, StaffRole.Manager })
        {
            using var client = await host.SignInAsAsync(role);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/hangfire")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/hangfire/recurring")).StatusCode);
        }

        using var admin = await host.SignInAsync();
        var home = await admin.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("TapRoom jobs", await home.Content.ReadAsStringAsync());
        // Not only local requests: the admin policy replaced Hangfire's LocalRequestsOnly filter, and the page lists our jobs.
        var recurring = await admin.GetStringAsync("/hangfire/recurring");
        foreach (var id in new[] { "heartbeat-sweep", "lock-timeout-sweep", "keg-threshold-sweep", "pos-outbox", "temperature-sweep", "temperature-downsample", "reorder-sweep" })
            Assert.Contains(id, recurring);
    }

    [Theory]
    [InlineData(5, "*/5 * * * * *")]
    [InlineData(60, "0 */1 * * * *")]
    [InlineData(600, "0 */10 * * * *")]
    [InlineData(7200, "0 0 */2 * * *")]
    public void Intervals_become_cron_expressions_with_seconds(int seconds, string cron) => Assert.Equal(cron, JobsSetup.CronEvery(seconds));
}
