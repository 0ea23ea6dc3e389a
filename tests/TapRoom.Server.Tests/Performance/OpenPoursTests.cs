using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features.Pours;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Performance;

/// <summary>The in-memory table of open pours (ADR 0035) is a cache of the database and must agree with it.</summary>
public sealed class OpenPoursTests
{
    [Fact]
    public async Task The_in_memory_open_pour_table_agrees_with_the_database_after_a_server_restart()
    {
        await using var world = await PourWorld.StartAsync();
        var taps = new[] { await world.TapAsync(), await world.TapAsync(), await world.TapAsync() };
        var controller = await world.ControllerAsync(taps.Select(t => t.TapId).ToArray());
        var client = await world.ConnectAsync(controller);
        var sessions = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var allow = await client.Authorize(PourWorld.Present(taps[i], await world.GuestAsync()));
            Assert.True(allow.Allowed, allow.Message);
            sessions.Add(allow.PourSessionId!.Value);
        }
        await client.PourProgress(new PourProgressMessage(sessions[0], 120, world.Now));
        await client.PourProgress(new PourProgressMessage(sessions[1], 80, world.Now));
        Assert.Equal(CompletePourOutcome.Synced, (await client.CompletePour(PourWorld.Completion(sessions[2], taps[2], 60))).Outcome);
        var table = world.Host.Services.GetRequiredService<OpenPours>();
        await PourWorld.EventuallyAsync(() => table.Find(sessions[1])?.LastProgressMl == 80 && table.Find(sessions[0])?.LastProgressMl == 120, "progress in memory");

        await world.Host.RestartAsync();

        var restarted = world.Host.Services.GetRequiredService<OpenPours>();
        Assert.NotSame(table, restarted);
        var inDb = await world.DbAsync(db => db.PourSessions.AsNoTracking().Where(p => p.SyncStatus == SyncStatus.PendingSync)
            .ToDictionaryAsync(p => p.Id, p => (p.ControllerId, p.TapId, p.VisitId, p.LastProgressMl)));
        Assert.Equal(inDb.OrderBy(kv => kv.Key), restarted.Snapshot().OrderBy(kv => kv.Key));
        // What the controller reported before the restart was written (at shutdown at the latest).
        Assert.Equal([(sessions[0], 120), (sessions[1], 80)], inDb.Select(kv => (kv.Key, kv.Value.LastProgressMl)).OrderBy(x => x.Item2).Reverse());

        // And it keeps agreeing: progress moves forward for open pours only, and is written in the background.
        var again = await world.ConnectAsync(controller, pendingSyncCount: 0);
        await again.PourProgress(new PourProgressMessage(sessions[0], 100, world.Now)); // backwards: dropped
        await again.PourProgress(new PourProgressMessage(sessions[1], 150, world.Now));
        await again.PourProgress(new PourProgressMessage(sessions[2], 999, world.Now)); // finished: dropped
        await PourWorld.EventuallyAsync(() => restarted.Find(sessions[1])?.LastProgressMl == 150, "progress after the restart");
        await restarted.FlushAsync();
        var stored = await world.DbAsync(db => db.PourSessions.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.LastProgressMl));
        Assert.Equal((120, 150, 0), (stored[sessions[0]], stored[sessions[1]], stored[sessions[2]]));
        Assert.Null(restarted.Find(sessions[2]));
        Assert.Equal(2, restarted.Snapshot().Count);
    }
}
