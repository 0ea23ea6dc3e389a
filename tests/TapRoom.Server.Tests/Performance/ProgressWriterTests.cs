using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features.Pours;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Performance;

/// <summary>
/// Progress writes are group-committed (docs/PERFORMANCE.md); what each pour ends up with must be exactly what one
/// conditional UPDATE per report gave: its highest volume, never backwards, never on a finished pour.
/// </summary>
public sealed class ProgressWriterTests
{
    [Fact]
    public async Task Concurrent_progress_of_many_pours_lands_as_each_pours_highest_volume_and_never_touches_a_finished_pour()
    {
        await using var world = await PourWorld.StartAsync();
        var sessions = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            var (tap, _, client) = await world.TapWithControllerAsync();
            var allow = await client.Authorize(PourWorld.Present(tap, await world.GuestAsync()));
            Assert.True(allow.Allowed, allow.Message);
            sessions.Add(allow.PourSessionId!.Value);
            if (i == 0)
            {
                var done = await client.CompletePour(PourWorld.Completion(allow.PourSessionId.Value, tap, 40));
                Assert.Equal(CompletePourOutcome.Synced, done.Outcome);
            }
        }
        var writer = world.Host.Services.GetRequiredService<ProgressWriter>();
        var at = world.Now;

        // Every pour reports 100..600 in a scrambled order from several threads at once; late lower values must not win.
        var reports = sessions.SelectMany((s, i) => Enumerable.Range(1, 6).Select(k => (Session: s, Volume: k * 100 + i)))
            .OrderBy(r => (r.Volume * 7919 + r.Session.GetHashCode()) % 101).ToList();
        await Task.WhenAll(reports.Select(r => Task.Run(() => writer.WriteAsync(r.Session, r.Volume, at))));
        await Task.WhenAll(sessions.Select(s => Task.Run(() => writer.WriteAsync(s, 50, at.AddSeconds(1)))));

        var stored = await world.DbAsync(db => db.PourSessions.AsNoTracking().Where(p => sessions.Contains(p.Id))
            .ToDictionaryAsync(p => p.Id, p => new { p.LastProgressMl, p.LastProgressAt, p.SyncStatus }));
        Assert.Equal((0, (DateTime?)null, SyncStatus.Synced), (stored[sessions[0]].LastProgressMl, stored[sessions[0]].LastProgressAt, stored[sessions[0]].SyncStatus));
        for (var i = 1; i < sessions.Count; i++)
            Assert.Equal((600 + i, (DateTime?)at), (stored[sessions[i]].LastProgressMl, stored[sessions[i]].LastProgressAt));
    }
}
