using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Dashboard;
using TapRoom.Server.Tests.Infrastructure;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Faults;

/// <summary>
/// Two server instances on one PostgreSQL database and one Redis (the backplane and the data-protection keys), as
/// behind a load balancer: controllers and dashboards on either, the rules held across both.
/// </summary>
[Trait("Database", "postgres-only")]
public sealed class SeveralInstancesTests
{
    private sealed class Pair : IAsyncDisposable
    {
        public required TestDatabase Database { get; init; }
        public required TapRoomHost A { get; init; }
        public required TapRoomHost B { get; init; }

        public static async Task<Pair> StartAsync()
        {
            var database = await TestDatabase.CreateAsync(DatabaseOptions.Postgres);
            var prefix = "taproom-test-" + Guid.NewGuid().ToString("N")[..12]; // this pair's channels only
            void Redis(Dictionary<string, string?> s)
            {
                s["ConnectionStrings:Redis"] = TestDatabase.RedisServer;
                s["TapRoom:Redis:Prefix"] = prefix;
            }
            var a = await TapRoomHost.StartAsync(Redis, database: database);
            var b = await TapRoomHost.StartAsync(Redis, database: database, time: a.Time);
            return new Pair { Database = database, A = a, B = b };
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    private static FaultVenue On(FaultVenue venue, TapRoomHost host) =>
        new() { BaseAddress = host.BaseAddress, Taps = venue.Taps, Guests = venue.Guests };

    [Fact]
    public async Task Ten_controllers_split_across_two_instances_race_for_one_card_fifty_rounds_and_exactly_one_wins_each()
    {
        await using var pair = await Pair.StartAsync();
        using var admin = await pair.A.SignInAsync();
        var venue = await FaultVenue.ArrangeAsync(admin, taps: 10, guests: 1, money: 100m);
        var clients = new List<ControllerHubClient>();
        try
        {
            for (var i = 0; i < venue.Taps.Count; i++)
                clients.Add(await On(venue, i % 2 == 0 ? pair.A : pair.B).ConnectAsync(venue.Taps[i]));
            var card = venue.Guests[0].CardUid;
            for (var round = 0; round < 50; round++)
            {
                var answers = await Task.WhenAll(clients.Select((c, i) => c.Authorize(new AuthorizeRequest(venue.Taps[i].TapId, card, Guid.NewGuid()))));
                var allowed = answers.Select((a, i) => (a, i)).Where(x => x.a.Allowed).ToList();
                Assert.True(allowed.Count == 1, $"Round {round}: {allowed.Count} allows: " + string.Join(" | ", answers.Select(a => a.Allowed ? "allowed" : $"{a.DenyReason}")));
                Assert.All(answers.Where(a => !a.Allowed), a => Assert.Equal(DenyReason.CardInUse, a.DenyReason));
                var (win, tap) = allowed[0];
                var done = await clients[tap].CompletePour(new CompletePourRequest(win.PourSessionId!.Value, venue.Taps[tap].TapId, 10, DateTime.UtcNow, DateTime.UtcNow));
                Assert.Equal(CompletePourOutcome.Synced, done.Outcome);
            }
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
        TestDatabase.ClearPools();
        FaultVenue.AssertHolds(await InvariantChecker.CheckAsync(pair.A.ReadDatabase));
        Assert.Equal(50, await pair.A.DbAsync(db => Task.FromResult(db.PourSessions.Count(p => p.SyncStatus == SyncStatus.Synced))));
    }

    [Fact]
    public async Task Progress_from_a_controller_on_A_reaches_a_dashboard_on_B()
    {
        await using var pair = await Pair.StartAsync();
        using var admin = await pair.A.SignInAsync();
        var venue = await FaultVenue.ArrangeAsync(admin, taps: 1, guests: 1);
        var cookies = new CookieContainer();
        using (var staffOnB = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = pair.B.BaseAddress })
            await FaultVenue.PostAsync(staffOnB, "/api/auth/login", new { login = "admin", password = TapRoomHost.AdminPassword });
        await using var dashboardOnB = await DashboardTestClient.ConnectAsync(pair.B.BaseAddress, cookies);

        await using var controllerOnA = await venue.ConnectAsync(venue.Taps[0]);
        var allow = await controllerOnA.Authorize(new AuthorizeRequest(venue.Taps[0].TapId, venue.Guests[0].CardUid, Guid.NewGuid()));
        Assert.True(allow.Allowed, allow.Message);
        await controllerOnA.PourProgress(new PourProgressMessage(allow.PourSessionId!.Value, 120, DateTime.UtcNow));
        var progress = await dashboardOnB.WaitForAsync<PourProgressPush>("PourProgress", p => p.PourSessionId == allow.PourSessionId, timeoutMs: 30_000);
        Assert.Equal(120, progress.VolumeMl);
    }

    [Fact]
    public async Task StopPour_from_a_staff_member_on_B_reaches_the_controller_on_A()
    {
        await using var pair = await Pair.StartAsync();
        using var admin = await pair.A.SignInAsync();
        var venue = await FaultVenue.ArrangeAsync(admin, taps: 1, guests: 1);
        // The agent's own way of listening (AgentConnection: WithEvents), with the default timeouts.
        await using var controllerOnA = new ControllerHubClient(pair.A.BaseAddress, venue.Taps[0].ApiKey).WithEvents();
        await controllerOnA.StartAsync();
        await controllerOnA.Hello(new HelloRequest("several-instances", 0));
        var stops = new ConcurrentQueue<StopPourMessage>();
        var states = new ConcurrentQueue<TapStateChangedMessage>();
        controllerOnA.StopPour += m => { stops.Enqueue(m); return Task.CompletedTask; };
        controllerOnA.TapStateChanged += m => { states.Enqueue(m); return Task.CompletedTask; };
        var allow = await controllerOnA.Authorize(new AuthorizeRequest(venue.Taps[0].TapId, venue.Guests[0].CardUid, Guid.NewGuid()));
        Assert.True(allow.Allowed, allow.Message);

        using var staffOnB = await pair.B.SignInAsAsync(StaffRole.Staff);
        var locked = await HttpAssert.OkAsync<TapRoom.Server.Features.Taps.ChangeTapStatus.Result>(
            await staffOnB.PostAsJsonAsync($"/api/taps/{venue.Taps[0].TapId}/status", new { status = "locked", comment = "from B" }, TapRoomHost.Json));
        Assert.Equal(allow.PourSessionId, locked.StoppedPourSessionId);
        await PourWorld.EventuallyAsync(() => stops.Any(s => s.PourSessionId == allow.PourSessionId && s.Reason == "tap_locked"), "StopPour on A", timeoutMs: 30_000);
        await PourWorld.EventuallyAsync(() => states.Any(s => s.TapId == venue.Taps[0].TapId && s.Status == TapStatus.Locked), "TapStateChanged on A", timeoutMs: 30_000);

        var done = await controllerOnA.CompletePour(new CompletePourRequest(allow.PourSessionId!.Value, venue.Taps[0].TapId, 90, DateTime.UtcNow, DateTime.UtcNow));
        Assert.Equal(CompletePourOutcome.Synced, done.Outcome);
    }

    [Fact]
    public async Task A_cookie_issued_by_A_works_on_B_and_a_sign_out_on_B_signs_out_on_A()
    {
        await using var pair = await Pair.StartAsync();
        var cookies = new CookieContainer();
        using var onA = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = pair.A.BaseAddress };
        using var onB = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = pair.B.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await onB.GetAsync("/api/auth/me")).StatusCode);

        await FaultVenue.PostAsync(onA, "/api/auth/login", new { login = "admin", password = TapRoomHost.AdminPassword });
        var me = await HttpAssert.OkAsync<StaffUserDto>(await onB.GetAsync("/api/auth/me"));
        Assert.Equal("admin", me.Login);

        Assert.True((await onB.PostAsJsonAsync("/api/auth/logout", new { })).IsSuccessStatusCode); // JSON: the cross-site rule refuses a bodiless POST
        Assert.Equal(HttpStatusCode.Unauthorized, (await onA.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await onB.GetAsync("/api/auth/me")).StatusCode);
    }
}
