using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.States;
using MediatR;
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
            // Each instance subscribes to the instance channel in the background; a message published before the other
            // listens is lost (pub/sub keeps nothing), so the pair starts once both listen.
            foreach (var host in new[] { a, b })
                await host.Services.GetRequiredService<InstanceBus>().Subscribed.WaitAsync(TimeSpan.FromSeconds(30));
            return new Pair { Database = database, A = a, B = b };
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    /// <summary>A controller connection that listens the agent's way (AgentConnection: WithEvents), with the default
    /// timeouts (FaultVenue's 5 s server timeout is shorter than the server's keep-alive, so its connections cycle).</summary>
    private static async Task<ControllerHubClient> ConnectLikeTheAgentAsync(TapRoomHost host, FaultTap tap)
    {
        var client = new ControllerHubClient(host.BaseAddress, tap.ApiKey).WithEvents();
        await client.StartAsync();
        await client.Hello(new HelloRequest("several-instances", 0));
        return client;
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
        await using var controllerOnA = await ConnectLikeTheAgentAsync(pair.A, venue.Taps[0]);
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
    public async Task Revoking_a_controller_on_B_aborts_its_open_connection_on_A()
    {
        await using var pair = await Pair.StartAsync();
        using var admin = await pair.A.SignInAsync();
        var venue = await FaultVenue.ArrangeAsync(admin, taps: 1, guests: 0);
        await using var controllerOnA = await ConnectLikeTheAgentAsync(pair.A, venue.Taps[0]);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        controllerOnA.Connection.Reconnecting += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        controllerOnA.Connection.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };

        using var adminOnB = await pair.B.SignInAsync();
        await HttpAssert.OkAsync<TapRoom.Server.Features.Controllers.RevokeController.Result>(
            await adminOnB.PostAsJsonAsync($"/api/controllers/{venue.Taps[0].ControllerId}/revoke", new { }));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected, controllerOnA.Connection.State);
    }

    [Fact]
    public async Task A_controller_connected_to_either_instance_counts_as_connected_for_the_heartbeat_sweep_on_the_other()
    {
        await using var pair = await Pair.StartAsync();
        using var admin = await pair.A.SignInAsync();
        var venue = await FaultVenue.ArrangeAsync(admin, taps: 1, guests: 0);
        var controllerId = venue.Taps[0].ControllerId;
        async Task<bool> SweepMarksItOffline(TapRoomHost sweeper)
        {
            pair.A.Time.Advance(TimeSpan.FromHours(1)); // far past any heartbeat timeout; both instances share this clock
            var swept = await sweeper.SendAsync(new TapRoom.Server.Features.Controllers.SweepControllerHeartbeats.Command());
            return swept.MarkedOffline.Contains(controllerId);
        }

        var onA = await ConnectLikeTheAgentAsync(pair.A, venue.Taps[0]);
        Assert.False(await SweepMarksItOffline(pair.B), "the sweep on B marked a controller connected to A offline");
        Assert.False(await SweepMarksItOffline(pair.A));
        await onA.DisposeAsync();

        // It moves to B: the sweep on A still sees it connected.
        var onB = await ConnectLikeTheAgentAsync(pair.B, venue.Taps[0]);
        Assert.False(await SweepMarksItOffline(pair.A), "the sweep on A marked a controller connected to B offline");
        await onB.DisposeAsync();

        // Connected nowhere: a sweep on either instance marks it offline once B has seen the connection close.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await SweepMarksItOffline(pair.A))
        {
            Assert.True(DateTime.UtcNow < deadline, "the controller still counts as connected after it disconnected from both instances");
            await Task.Delay(100);
        }
        Assert.False(await pair.A.DbAsync(db => Task.FromResult(db.Controllers.Single(c => c.Id == controllerId).IsOnline)));
    }

    public sealed record JobRun(string Instance, Type Command);

    /// <summary>Outermost in the pipeline (a retried transaction counts once): records each run of a recurring job's command.</summary>
    public sealed class RecordJobRuns<TRequest, TResponse>(JobRunLog log) : IPipelineBehavior<TRequest, TResponse> where TRequest : notnull
    {
        public Task<TResponse> Handle(TRequest request, CancellationToken ct, RequestHandlerDelegate<TResponse> next)
        {
            if (JobRunLog.Commands.ContainsValue(typeof(TRequest))) log.Runs.Enqueue(new JobRun(log.Instance, typeof(TRequest)));
            return next();
        }
    }

    public sealed class JobRunLog(string instance, ConcurrentQueue<JobRun> runs)
    {
        public static readonly Dictionary<string, Type> Commands = new()
        {
            ["heartbeat-sweep"] = typeof(TapRoom.Server.Features.Controllers.SweepControllerHeartbeats.Command),
            ["lock-timeout-sweep"] = typeof(TapRoom.Server.Features.Pours.SweepLockTimeouts.Command),
            ["keg-threshold-sweep"] = typeof(TapRoom.Server.Features.Kegs.SweepKegThresholds.Command),
            ["pos-outbox"] = typeof(TapRoom.Server.Features.Pos.DeliverPosOutbox.Command),
            ["temperature-sweep"] = typeof(TapRoom.Server.Features.Temperature.SweepSilentSensors.Command),
            ["temperature-downsample"] = typeof(TapRoom.Server.Features.Temperature.DownsampleTemperatureReadings.Command),
        };
        public string Instance { get; } = instance;
        public ConcurrentQueue<JobRun> Runs { get; } = runs;
    }

    [Fact]
    public async Task Each_recurring_job_runs_once_per_period_across_two_instances_not_once_on_each()
    {
        var database = await TestDatabase.CreateAsync(DatabaseOptions.Postgres);
        var prefix = "taproom-test-" + Guid.NewGuid().ToString("N")[..12];
        var runs = new ConcurrentQueue<JobRun>();
        const int periodSeconds = 2;
        void Settings(Dictionary<string, string?> s)
        {
            s["ConnectionStrings:Redis"] = TestDatabase.RedisServer;
            s["TapRoom:Redis:Prefix"] = prefix;
            s["TapRoom:Jobs:Enabled"] = "true"; // Storage: Auto, so PostgreSQL storage on this PostgreSQL database
            foreach (var key in new[] { "HeartbeatSweepSeconds", "LockTimeoutSweepSeconds", "KegThresholdSweepSeconds", "PosOutboxSeconds",
                         "TemperatureSweepSeconds", "TemperatureDownsampleSeconds" })
                s["TapRoom:Jobs:" + key] = periodSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        Action<WebApplicationBuilder> Recording(string instance) => b =>
        {
            b.Services.AddSingleton(new JobRunLog(instance, runs));
            b.Services.Insert(0, ServiceDescriptor.Scoped(typeof(IPipelineBehavior<,>), typeof(RecordJobRuns<,>)));
        };
        try
        {
            var a = await TapRoomHost.StartAsync(Settings, database: database, configure: Recording("A"));
            TapRoomHost? b = null;
            try
            {
                b = await TapRoomHost.StartAsync(Settings, database: database, time: a.Time, configure: Recording("B"));
                Assert.IsType<PostgreSqlStorage>(a.Services.GetRequiredService<JobStorage>());
                // Several periods with both instances up, each running a Hangfire server with its workers.
                var deadline = DateTime.UtcNow.AddSeconds(120);
                while (JobRunLog.Commands.Values.Any(c => runs.Count(r => r.Command == c) < 4))
                {
                    Assert.True(DateTime.UtcNow < deadline, "the recurring jobs did not run four times each: "
                        + string.Join(", ", JobRunLog.Commands.Select(c => $"{c.Key} {runs.Count(r => r.Command == c.Value)}")));
                    await Task.Delay(200);
                }
            }
            finally
            {
                await a.DisposeAsync(); // stopping waits for the running jobs: every run is recorded by now
                if (b is not null) await b.DisposeAsync();
            }

            TestDatabase.ClearPools();
            var options = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = false };
            var storage = new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(database.ConnectionString!, options), options);
            var monitoring = storage.GetMonitoringApi();
            using var connection = storage.GetConnection();
            var jobIds = monitoring.SucceededJobs(0, 100_000).Select(j => j.Key)
                .Concat(monitoring.ProcessingJobs(0, 100_000).Select(j => j.Key))
                .Concat(monitoring.FailedJobs(0, 100_000).Select(j => j.Key))
                .Concat(monitoring.DeletedJobs(0, 100_000).Select(j => j.Key))
                .Concat(monitoring.EnqueuedJobs("default", 0, 100_000).Select(j => j.Key))
                .Distinct().ToList();
            var jobs = jobIds.Select(id => (
                Recurring: connection.GetJobParameter(id, "RecurringJobId")?.Trim('"'),
                Time: connection.GetJobParameter(id, "Time"),
                Processed: monitoring.JobDetails(id).History.Count(h => h.StateName == ProcessingState.StateName))).ToList();
            foreach (var (recurringId, command) in JobRunLog.Commands)
            {
                var mine = jobs.Where(j => j.Recurring == recurringId).ToList();
                var ran = runs.Count(r => r.Command == command);
                // Each occurrence was enqueued by one of the two schedulers (Hangfire's "Time" is the second it was enqueued)...
                var twice = mine.GroupBy(j => j.Time).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
                Assert.True(twice.Count == 0, $"{recurringId}: enqueued more than once in the same second: {string.Join(", ", twice)}");
                // ...each enqueued job was run by one worker of one instance...
                Assert.All(mine, j => Assert.True(j.Processed <= 1, $"{recurringId} at {j.Time} was processed {j.Processed} times"));
                // ...and the command ran exactly once per processed occurrence: once per period, not once per instance.
                Assert.Equal(mine.Count(j => j.Processed == 1), ran);
                Assert.True(ran >= 4, $"{recurringId} ran {ran} times");
            }
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_cookie_issued_by_A_works_on_B_and_a_sign_out_on_B_signs_out_on_A_and_closes_the_dashboard_there()
    {
        await using var pair = await Pair.StartAsync();
        var cookies = new CookieContainer();
        using var onA = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = pair.A.BaseAddress };
        using var onB = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = pair.B.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await onB.GetAsync("/api/auth/me")).StatusCode);

        await FaultVenue.PostAsync(onA, "/api/auth/login", new { login = "admin", password = TapRoomHost.AdminPassword });
        var me = await HttpAssert.OkAsync<StaffUserDto>(await onB.GetAsync("/api/auth/me"));
        Assert.Equal("admin", me.Login);

        await using var dashboardOnA = await DashboardTestClient.ConnectAsync(pair.A.BaseAddress, cookies);

        Assert.True((await onB.PostAsJsonAsync("/api/auth/logout", new { })).IsSuccessStatusCode); // JSON: the cross-site rule refuses a bodiless POST
        Assert.Equal(HttpStatusCode.Unauthorized, (await onA.GetAsync("/api/auth/me")).StatusCode);
        // The user's live dashboard connection on A is closed by A, told by B over Redis.
        await PourWorld.EventuallyAsync(() => dashboardOnA.IsClosed, "the dashboard connection on A closed", timeoutMs: 30_000);
        Assert.Equal(HttpStatusCode.Unauthorized, (await onB.GetAsync("/api/auth/me")).StatusCode);
    }

    [Fact]
    public async Task A_sign_out_on_B_ends_that_session_only_and_sign_out_everywhere_ends_the_other_on_A()
    {
        await using var pair = await Pair.StartAsync();
        var first = new CookieContainer();
        var second = new CookieContainer();
        using var firstOnA = new HttpClient(new HttpClientHandler { CookieContainer = first }) { BaseAddress = pair.A.BaseAddress };
        using var firstOnB = new HttpClient(new HttpClientHandler { CookieContainer = first }) { BaseAddress = pair.B.BaseAddress };
        using var secondOnA = new HttpClient(new HttpClientHandler { CookieContainer = second }) { BaseAddress = pair.A.BaseAddress };
        using var secondOnB = new HttpClient(new HttpClientHandler { CookieContainer = second }) { BaseAddress = pair.B.BaseAddress };
        await FaultVenue.PostAsync(firstOnA, "/api/auth/login", new { login = "admin", password = TapRoomHost.AdminPassword });
        await FaultVenue.PostAsync(secondOnB, "/api/auth/login", new { login = "admin", password = TapRoomHost.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, (await firstOnB.GetAsync("/api/auth/me")).StatusCode); // A's session, known on B

        Assert.True((await firstOnB.PostAsJsonAsync("/api/auth/logout", new { })).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await firstOnA.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await secondOnA.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await secondOnB.GetAsync("/api/auth/me")).StatusCode);

        await FaultVenue.PostAsync(firstOnA, "/api/auth/login", new { login = "admin", password = TapRoomHost.AdminPassword });
        Assert.True((await secondOnB.PostAsJsonAsync("/api/auth/logout-everywhere", new { })).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await firstOnA.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await secondOnA.GetAsync("/api/auth/me")).StatusCode);
    }
}
