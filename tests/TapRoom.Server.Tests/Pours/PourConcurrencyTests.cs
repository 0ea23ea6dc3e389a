using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Pours;

/// <summary>Rule 3 and rule 4 under real parallel WebSocket connections.</summary>
public sealed class PourConcurrencyTests
{
    [Fact]
    public async Task Ten_controllers_authorising_one_card_at_once_get_exactly_one_allow_fifty_rounds_over()
    {
        await using var world = await PourWorld.StartAsync();
        var rigs = new List<(TapRig Tap, ControllerHubClient Client)>();
        for (var i = 0; i < 10; i++)
        {
            var (tap, _, client) = await world.TapWithControllerAsync(pricePerLiter: 4m);
            rigs.Add((tap, client));
        }
        var guest = await world.GuestAsync(balance: 500m, volumeLimitMl: 100_000);
        using var manager = await world.Host.SignInAsAsync(StaffRole.Manager);
        var winners = new HashSet<int>();

        for (var round = 0; round < 50; round++)
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var attempts = rigs.Select(r => Task.Run(async () =>
            {
                await start.Task;
                return await r.Client.Authorize(PourWorld.Present(r.Tap, guest));
            })).ToArray();
            start.SetResult();
            var results = await Task.WhenAll(attempts);

            var allowed = results.Select((r, i) => (r, i)).Where(x => x.r.Allowed).ToList();
            Assert.True(allowed.Count == 1, $"round {round}: {allowed.Count} allows");
            var (win, index) = allowed[0];
            winners.Add(index);
            foreach (var loser in results.Where(r => !r.Allowed))
            {
                Assert.Equal(DenyReason.CardInUse, loser.DenyReason);
                Assert.Equal($"Card already in use on {rigs[index].Tap.Name}.", loser.Message);
            }
            Assert.Equal(rigs[index].Tap.TapId, await world.DbAsync(db => db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.ActiveTapId).SingleAsync()));

            if (round % 2 == 0)
            {
                var done = await rigs[index].Client.CompletePour(PourWorld.Completion(win.PourSessionId!.Value, rigs[index].Tap, 20));
                Assert.Equal(CompletePourOutcome.Synced, done.Outcome);
            }
            else
            {
                var unlocked = await manager.PostAsJsonAsync($"/api/visits/{guest.VisitId}/force-unlock", new { comment = $"round {round}" }, TapRoomHost.Json);
                Assert.True(unlocked.IsSuccessStatusCode, await unlocked.Content.ReadAsStringAsync());
            }
        }

        // The whole test takes about 8 s on a loaded 2-core machine; the bound catches a return of busy-waiting on SQLite (45 s).
        Assert.True(winners.Count > 1, "the lock moved between taps");
        var (sessions, charges) = await world.DbAsync(async db => (await db.PourSessions.CountAsync(p => p.VisitId == guest.VisitId),
            await db.Ledger.CountAsync(e => e.VisitId == guest.VisitId && e.Kind == LedgerKind.PourCharge)));
        Assert.Equal((50, 25), (sessions, charges));
    }

    [Fact]
    public async Task A_completion_sent_five_times_in_parallel_and_five_in_sequence_charges_once_and_drains_once()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, controller, client) = await world.TapWithControllerAsync(pricePerLiter: 6m, kegMl: 20_000);
        var guest = await world.GuestAsync(balance: 20m);
        var allow = await client.Authorize(PourWorld.Present(tap, guest));
        Assert.True(allow.Allowed);
        var completion = PourWorld.Completion(allow.PourSessionId!.Value, tap, 330);

        // Five connections of the same controller: the server runs one invocation per connection at a time.
        var connections = new List<ControllerHubClient>();
        for (var i = 0; i < 5; i++) connections.Add(await world.ConnectAsync(controller));
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var parallel = connections.Select(c => Task.Run(async () => { await start.Task; return await c.CompletePour(completion); })).ToArray();
        start.SetResult();
        var results = (await Task.WhenAll(parallel)).ToList();
        for (var i = 0; i < 5; i++) results.Add(await client.CompletePour(completion));

        Assert.Single(results, r => r.Outcome == CompletePourOutcome.Synced);
        Assert.Equal(9, results.Count(r => r.Outcome == CompletePourOutcome.Duplicate));
        Assert.All(results, r => Assert.Equal(1.98m, r.ChargedAmount));
        Assert.All(results, r => Assert.Equal(18.02m, r.Balance));

        var (charges, keg, poured, outbox) = await world.DbAsync(async db => (
            await db.Ledger.Where(e => e.VisitId == guest.VisitId && e.Kind == LedgerKind.PourCharge).Select(e => e.Amount).ToListAsync(),
            await db.Kegs.Where(k => k.Id == tap.KegId).Select(k => k.RemainingVolumeMl).SingleAsync(),
            await db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.PouredVolumeMl).SingleAsync(),
            await db.PosOutbox.CountAsync(o => o.VisitId == guest.VisitId && o.Kind == PosOutboxKind.Pour)));
        Assert.Equal([-1.98m], charges);
        Assert.Equal(20_000 - 330, keg);
        Assert.Equal(330, poured);
        Assert.Equal(1, outbox);
    }
}
