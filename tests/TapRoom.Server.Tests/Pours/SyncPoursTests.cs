using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Pours;

namespace TapRoom.Server.Tests.Pours;

/// <summary>SyncPours: a journal replay in batches, each completion exactly as CompletePour, idempotent per pour.</summary>
public sealed class SyncPoursTests
{
    [Fact]
    public async Task A_batched_replay_with_duplicates_and_reordering_charges_each_pour_once()
    {
        await using var world = await PourWorld.StartAsync();
        var taps = new[] { await world.TapAsync(pricePerLiter: 5m), await world.TapAsync(pricePerLiter: 5m), await world.TapAsync(pricePerLiter: 5m) };
        var controller = await world.ControllerAsync(taps.Select(t => t.TapId).ToArray());
        var client = await world.ConnectAsync(controller);
        var guests = new[] { await world.GuestAsync(balance: 20m), await world.GuestAsync(balance: 20m), await world.GuestAsync(balance: 20m) };
        var pours = new List<CompletePourRequest>();
        for (var i = 0; i < 3; i++)
        {
            var allow = await client.Authorize(PourWorld.Present(taps[i], guests[i]));
            Assert.True(allow.Allowed, allow.Message);
            pours.Add(PourWorld.Completion(allow.PourSessionId!.Value, taps[i], 200 * (i + 1)));
        }
        var (p1, p2, p3) = (pours[0], pours[1], pours[2]);

        // Out of order, with repeats inside the batch, and one pour completed on its own before.
        Assert.Equal(CompletePourOutcome.Synced, (await client.CompletePour(p3)).Outcome);
        var first = await client.SyncPours(new SyncPoursRequest([p2, p1, p2, p3, p1]));
        Assert.Equal([p2.PourSessionId, p1.PourSessionId, p2.PourSessionId, p3.PourSessionId, p1.PourSessionId], first.Results.Select(r => r.PourSessionId));
        Assert.Equal(
            [CompletePourOutcome.Synced, CompletePourOutcome.Synced, CompletePourOutcome.Duplicate, CompletePourOutcome.Duplicate, CompletePourOutcome.Duplicate],
            first.Results.Select(r => r.Result!.Outcome));
        Assert.Equal([2.00m, 1.00m, 2.00m, 3.00m, 1.00m], first.Results.Select(r => r.Result!.ChargedAmount));
        Assert.All(first.Results, r => Assert.Null(r.Error));

        // The whole replay again (a lost answer), reversed: nothing changes.
        var again = await client.SyncPours(new SyncPoursRequest([p3, p2, p1]));
        Assert.All(again.Results, r => Assert.Equal(CompletePourOutcome.Duplicate, r.Result!.Outcome));

        var charges = await world.DbAsync(db => db.Ledger.AsNoTracking().Where(l => l.Kind == LedgerKind.PourCharge)
            .GroupBy(l => l.PourSessionId).Select(g => new { Id = g.Key, Count = g.Count(), Sum = g.Sum(l => (double)l.Amount) }).ToListAsync());
        Assert.Equal(3, charges.Count);
        Assert.All(charges, c => Assert.Equal(1, c.Count));
        Assert.Equal([-1.0, -2.0, -3.0], charges.Select(c => c.Sum).OrderDescending());
        var sessions = await world.DbAsync(db => db.PourSessions.AsNoTracking().ToListAsync());
        Assert.All(sessions, s => Assert.Equal(SyncStatus.Synced, s.SyncStatus));
        Assert.Equal(0, await world.DbAsync(db => db.Visits.CountAsync(v => v.ActiveTapId != null)));
        var kegs = await world.DbAsync(db => db.Kegs.AsNoTracking().Select(k => k.RemainingVolumeMl).ToListAsync());
        Assert.Equal([19_400, 19_600, 19_800], kegs.Order());
    }

    [Fact]
    public async Task A_batch_of_another_controllers_or_unknown_pours_is_rejected_per_pour_and_a_bad_batch_is_refused()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync();
        var (otherTap, _, otherClient) = await world.TapWithControllerAsync();
        var allow = await otherClient.Authorize(PourWorld.Present(otherTap, await world.GuestAsync()));
        var result = await client.SyncPours(new SyncPoursRequest([
            PourWorld.Completion(allow.PourSessionId!.Value, otherTap, 100),
            PourWorld.Completion(Guid.NewGuid(), tap, 100),
        ]));
        Assert.Equal([CompletePourOutcome.Rejected, CompletePourOutcome.Rejected], result.Results.Select(r => r.Result!.Outcome));
        Assert.StartsWith("not_your_session", result.Results[0].Result!.Message);
        Assert.StartsWith("unknown_session", result.Results[1].Result!.Message);
        Assert.Equal(SyncStatus.PendingSync, await world.DbAsync(db => db.PourSessions.Where(p => p.Id == allow.PourSessionId).Select(p => p.SyncStatus).SingleAsync()));

        var empty = await Assert.ThrowsAsync<HubException>(() => client.SyncPours(new SyncPoursRequest([])));
        Assert.Contains("validation_failed", empty.Message);
        var tooMany = Enumerable.Range(0, SyncPoursRequest.MaxPours + 1).Select(_ => PourWorld.Completion(Guid.NewGuid(), tap, 1)).ToList();
        Assert.Contains("validation_failed", (await Assert.ThrowsAsync<HubException>(() => client.SyncPours(new SyncPoursRequest(tooMany)))).Message);
    }
}
