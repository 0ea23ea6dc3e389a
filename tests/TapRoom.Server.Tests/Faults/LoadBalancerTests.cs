using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Hubs;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Dashboard;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Faults;

/// <summary>
/// The shipped nginx configuration (deploy/nginx/taproom.conf) in front of two server instances on one PostgreSQL and
/// one Redis: controllers and dashboards connect through it over WebSockets, land on either instance without sticky
/// sessions, and a pour's progress reaches every dashboard.
/// </summary>
[Trait("Database", "postgres-only")]
public sealed class LoadBalancerTests
{
    /// <summary>Hub connections each instance accepted, by hub.</summary>
    private sealed class Arrivals : IHubFilter
    {
        private readonly ConcurrentDictionary<string, int> _byHub = new();
        public int Of<THub>() => _byHub.GetValueOrDefault(typeof(THub).Name);

        public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
        {
            _byHub.AddOrUpdate(context.Hub.GetType().Name, 1, (_, n) => n + 1);
            return next(context);
        }
    }

    private static async Task<(TestDatabase Database, TapRoomHost A, Arrivals OnA, TapRoomHost B, Arrivals OnB)> TwoInstancesAsync()
    {
        var database = await TestDatabase.CreateAsync(DatabaseOptions.Postgres);
        var prefix = "taproom-test-" + Guid.NewGuid().ToString("N")[..12];
        void Redis(Dictionary<string, string?> s)
        {
            s["ConnectionStrings:Redis"] = TestDatabase.RedisServer;
            s["TapRoom:Redis:Prefix"] = prefix;
        }
        Arrivals onA = new(), onB = new();
        var a = await TapRoomHost.StartAsync(Redis, database: database, configure: b => b.Services.Configure<HubOptions>(o => o.AddFilter(onA)));
        var b = await TapRoomHost.StartAsync(Redis, database: database, time: a.Time, configure: b => b.Services.Configure<HubOptions>(o => o.AddFilter(onB)));
        return (database, a, onA, b, onB);
    }

    [Fact]
    public async Task Controllers_and_dashboards_connect_through_nginx_over_websockets_to_both_instances_and_progress_reaches_every_dashboard()
    {
        var (database, a, onA, b, onB) = await TwoInstancesAsync();
        await using var _ = database;
        await using var __ = a;
        await using var ___ = b;
        await using var nginx = await NginxProxy.StartAsync([a.BaseAddress, b.BaseAddress]);

        // Staff sign in through nginx (the cookie is good on both instances: shared keys in Redis).
        var cookies = new CookieContainer();
        using var staff = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = nginx.BaseAddress };
        await FaultVenue.PostAsync(staff, "/api/auth/login", new { login = "admin", password = TapRoomHost.AdminPassword });
        var venue = await FaultVenue.ArrangeAsync(staff, taps: 2, guests: 2);
        Assert.Equal(venue.BaseAddress, nginx.BaseAddress);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync("/metrics")).StatusCode);

        // Dashboards through nginx (WebSockets only, no negotiate) until both instances have one: round-robin, no stickiness.
        var dashboards = new List<DashboardTestClient>();
        var controllers = new List<ControllerHubClient>();
        try
        {
            while ((onA.Of<DashboardHub>() == 0 || onB.Of<DashboardHub>() == 0) && dashboards.Count < 8)
                dashboards.Add(await DashboardTestClient.ConnectAsync(nginx.BaseAddress, cookies));
            Assert.True(onA.Of<DashboardHub>() > 0 && onB.Of<DashboardHub>() > 0,
                $"dashboards on A: {onA.Of<DashboardHub>()}, on B: {onB.Of<DashboardHub>()} after {dashboards.Count} connections");
            foreach (var t in venue.Taps) controllers.Add(await venue.ConnectAsync(t));
            Assert.Equal(controllers.Count, onA.Of<ControllerHub>() + onB.Of<ControllerHub>());

            // Each controller pours; its progress reaches every dashboard, whichever instance either is on.
            for (var i = 0; i < controllers.Count; i++)
            {
                var allow = await controllers[i].Authorize(new AuthorizeRequest(venue.Taps[i].TapId, venue.Guests[i].CardUid, Guid.NewGuid()));
                Assert.True(allow.Allowed, allow.Message);
                var volume = 100 + 11 * i;
                await controllers[i].PourProgress(new PourProgressMessage(allow.PourSessionId!.Value, volume, DateTime.UtcNow));
                foreach (var dashboard in dashboards)
                {
                    var progress = await dashboard.WaitForAsync<PourProgressPush>("PourProgress", p => p.PourSessionId == allow.PourSessionId, timeoutMs: 30_000);
                    Assert.Equal(volume, progress.VolumeMl);
                }
                var done = await controllers[i].CompletePour(new CompletePourRequest(allow.PourSessionId.Value, venue.Taps[i].TapId, volume + 5, DateTime.UtcNow, DateTime.UtcNow));
                Assert.Equal(CompletePourOutcome.Synced, done.Outcome);
            }
        }
        finally
        {
            foreach (var c in controllers) await c.DisposeAsync();
            foreach (var d in dashboards) await d.DisposeAsync();
        }
        Assert.True(nginx.ErrorLog.Split('\n').All(l => !l.Contains("[emerg]") && !l.Contains("[crit]")), nginx.ErrorLog);
    }
}
