using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Features.Pours;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Faults;

/// <summary>
/// Link and ordering faults against the real server on loopback (in process, with its clock under the test's control):
/// connections dropped mid-pour, completions duplicated, reordered and delayed past a manual reconcile, controllers
/// racing for one card. Every test ends with the invariant checker on the database file.
/// </summary>
public sealed class LinkFaultTests
{
    private static CompletePourRequest Completion(Guid session, FaultTap tap, int volumeMl) =>
        new(session, tap.TapId, volumeMl, new DateTime(2026, 11, 21, 21, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 21, 21, 0, 8, DateTimeKind.Utc));

    private static async Task<IReadOnlyList<string>> CheckAsync(TapRoomHost host)
    {
        TestDatabase.ClearPools();
        return await InvariantChecker.CheckAsync(host.ReadDatabase);
    }

    [Fact]
    public async Task Connections_dropped_mid_pour_replay_their_completions_and_each_pour_is_charged_once()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        var venue = await FaultVenue.ArrangeAsync(admin, taps: 3, guests: 3);
        var clients = new List<ControllerHubClient>();
        try
        {
            foreach (var tap in venue.Taps) clients.Add(await venue.ConnectAsync(tap));
            var sessions = new List<Guid>();
            for (var i = 0; i < 3; i++)
            {
                var allow = await clients[i].Authorize(new AuthorizeRequest(venue.Taps[i].TapId, venue.Guests[i].CardUid, Guid.NewGuid()));
                Assert.True(allow.Allowed, allow.Message);
                sessions.Add(allow.PourSessionId!.Value);
                await clients[i].PourProgress(new PourProgressMessage(allow.PourSessionId.Value, 80, host.Time.GetUtcNow().UtcDateTime));
            }

            // The links of taps 0 and 1 drop mid-pour; the pours finish offline and are replayed after reconnecting.
            await Task.WhenAll(clients[0].Connection.StopAsync(), clients[1].Connection.StopAsync());
            var during = await clients[2].CompletePour(Completion(sessions[2], venue.Taps[2], 250));
            Assert.Equal(CompletePourOutcome.Synced, during.Outcome);
            for (var i = 0; i < 2; i++)
            {
                await clients[i].StartAsync();
                await clients[i].Hello(new HelloRequest("fault-suite", 1));
                var replays = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => clients[i].CompletePour(Completion(sessions[i], venue.Taps[i], 300 + i))));
                Assert.Equal(1, replays.Count(r => r.Outcome == CompletePourOutcome.Synced));
                Assert.Equal(2, replays.Count(r => r.Outcome == CompletePourOutcome.Duplicate));
            }
            var tapStates = await admin.GetFromJsonAsync<List<TapDto>>("/api/taps", TapRoomHost.Json);
            Assert.All(venue.Taps, t => Assert.Equal(TapStatus.Active, tapStates!.Single(s => s.Id == t.TapId).Status));
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
        FaultVenue.AssertHolds(await CheckAsync(host));
    }

    [Fact]
    public async Task Completions_duplicated_reordered_and_delayed_past_a_reconcile_are_charged_once()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        var venue = await FaultVenue.ArrangeAsync(admin, taps: 4, guests: 4);
        var clients = new List<ControllerHubClient>();
        try
        {
            foreach (var tap in venue.Taps) clients.Add(await venue.ConnectAsync(tap));
            var sessions = new List<Guid>();
            for (var i = 0; i < 4; i++)
            {
                var allow = await clients[i].Authorize(new AuthorizeRequest(venue.Taps[i].TapId, venue.Guests[i].CardUid, Guid.NewGuid()));
                Assert.True(allow.Allowed, allow.Message);
                sessions.Add(allow.PourSessionId!.Value);
            }

            // Reordered (pour 1 before pour 0) and each duplicated three times at once.
            foreach (var i in new[] { 1, 0 })
            {
                var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => clients[i].CompletePour(Completion(sessions[i], venue.Taps[i], 200))));
                Assert.Equal(1, results.Count(r => r.Outcome == CompletePourOutcome.Synced));
                Assert.All(results, r => Assert.Equal(1.20m, r.ChargedAmount));
            }

            // Pours 2 and 3 go silent past the lock timeout; staff reconcile them by hand; then the controllers' records arrive late.
            host.Time.Advance(TimeSpan.FromSeconds(200));
            var swept = await host.SendAsync(new SweepLockTimeouts.Command());
            Assert.Equal(2, swept.TimedOut.Count);
            foreach (var (i, ml) in new[] { (2, 300), (3, 100) })
            {
                var reconciled = await admin.PostAsJsonAsync($"/api/visits/{venue.Guests[i].VisitId}/reconcile-pour",
                    new { pourSessionId = sessions[i], volumeMl = ml, comment = "guest says about this much" }, TapRoomHost.Json);
                Assert.Equal(HttpStatusCode.OK, reconciled.StatusCode);
            }
            var matched = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => clients[2].CompletePour(Completion(sessions[2], venue.Taps[2], 310))));
            Assert.Equal([CompletePourOutcome.Duplicate, CompletePourOutcome.LateSyncMatched], matched.Select(r => r.Outcome).Order());
            var mismatch = await clients[3].CompletePour(Completion(sessions[3], venue.Taps[3], 450));
            Assert.Equal(CompletePourOutcome.LateSyncMismatch, mismatch.Outcome);
            Assert.Equal(CompletePourOutcome.Duplicate, (await clients[3].CompletePour(Completion(sessions[3], venue.Taps[3], 450))).Outcome);

            var charges = await FaultDb.ReadAsync(host.ReadDatabase, db => Task.FromResult(db.Ledger.Where(e => e.Kind == LedgerKind.PourCharge)
                .AsEnumerable().GroupBy(e => e.PourSessionId!.Value).ToDictionary(g => g.Key, g => g.Sum(e => e.Amount))));
            Assert.Equal([-1.20m, -1.20m, -1.80m, -0.60m], sessions.Select(s => charges[s]));
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
        FaultVenue.AssertHolds(await CheckAsync(host));
    }

    [Fact]
    public async Task Controllers_racing_for_one_card_get_exactly_one_allow_each_time()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        var venue = await FaultVenue.ArrangeAsync(admin, taps: 6, guests: 1, money: 100m);
        var clients = new List<ControllerHubClient>();
        try
        {
            foreach (var tap in venue.Taps) clients.Add(await venue.ConnectAsync(tap));
            var card = venue.Guests[0].CardUid;
            for (var round = 0; round < 5; round++)
            {
                using var start = new ManualResetEventSlim();
                var attempts = Enumerable.Range(0, clients.Count).Select(i => Task.Run(async () =>
                {
                    start.Wait();
                    return (Tap: i, Result: await clients[i].Authorize(new AuthorizeRequest(venue.Taps[i].TapId, card, Guid.NewGuid())));
                })).ToList();
                start.Set();
                var results = await Task.WhenAll(attempts);
                var winners = results.Where(r => r.Result.Allowed).ToList();
                Assert.Single(winners);
                Assert.All(results.Where(r => !r.Result.Allowed), r => Assert.Equal(DenyReason.CardInUse, r.Result.DenyReason));
                var winner = winners[0];
                var done = await clients[winner.Tap].CompletePour(Completion(winner.Result.PourSessionId!.Value, venue.Taps[winner.Tap], 150));
                Assert.Equal(CompletePourOutcome.Synced, done.Outcome);
            }
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
        FaultVenue.AssertHolds(await CheckAsync(host));
    }
}
