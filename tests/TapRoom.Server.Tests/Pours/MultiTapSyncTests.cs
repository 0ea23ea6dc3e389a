using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;

namespace TapRoom.Server.Tests.Pours;

public sealed class MultiTapSyncTests
{
    [Fact]
    public async Task A_controller_with_several_taps_gets_every_tap_back_once_its_replayed_pour_is_synced_but_not_a_tap_still_holding_a_lock()
    {
        await using var world = await PourWorld.StartAsync();
        var tapA = await world.TapAsync();
        var tapB = await world.TapAsync();
        var tapC = await world.TapAsync();
        var controller = await world.ControllerAsync(tapA.TapId, tapB.TapId, tapC.TapId);
        var client = await world.ConnectAsync(controller);
        var first = await world.GuestAsync();
        var second = await world.GuestAsync();
        var pourA = await client.Authorize(PourWorld.Present(tapA, first));
        var pourC = await client.Authorize(PourWorld.Present(tapC, second));
        Assert.True(pourA.Allowed && pourC.Allowed);
        await client.DisposeAsync();

        // The link came back with one unsynced pour in the journal (tap A); tap C's pour is still running.
        var again = await world.ConnectAsync(controller, pendingSyncCount: 1);
        Task<TapStatus> Status(TapRig tap) => world.DbAsync(db => db.Taps.Where(t => t.Id == tap.TapId).Select(t => t.Status).SingleAsync());
        Assert.Equal(TapStatus.ProcessingSync, await Status(tapA));
        Assert.Equal(TapStatus.ProcessingSync, await Status(tapB));

        Assert.Equal(CompletePourOutcome.Synced, (await again.CompletePour(PourWorld.Completion(pourA.PourSessionId!.Value, tapA, 200))).Outcome);
        Assert.Equal(TapStatus.Active, await Status(tapA));
        Assert.Equal(TapStatus.Active, await Status(tapB));
        Assert.Equal(TapStatus.ProcessingSync, await Status(tapC));

        Assert.Equal(CompletePourOutcome.Synced, (await again.CompletePour(PourWorld.Completion(pourC.PourSessionId!.Value, tapC, 150))).Outcome);
        Assert.Equal(TapStatus.Active, await Status(tapC));
    }
}
