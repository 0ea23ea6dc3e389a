using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Dashboard;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Dashboard;

/// <summary>Dashboard pushes are coalesced per subject and window (ADR 0036; CONTRACT.md's <c>&lt;Name&gt;Batch</c>).</summary>
public sealed class DashboardPushQueueTests
{
    [Fact]
    public async Task A_coalesced_push_batch_carries_the_last_state_of_every_tap_changed_in_its_window()
    {
        await using var host = await TapRoomHost.StartAsync();
        var taps = new List<Guid>();
        for (var i = 0; i < 4; i++) taps.Add((await DashboardVenue.TapWithKegAsync(host, 20 + i)).TapId);
        var (http, cookies) = await DashboardHubTests.SignInAsync(host);
        using var _ = http;
        await using var browser = await DashboardTestClient.ConnectAsync(host.BaseAddress, cookies);
        var queue = host.Services.GetRequiredService<DashboardPushQueue>();

        // Every tap changes several times within one window (the queue is held, so no timing decides the window).
        var sequences = new[]
        {
            new[] { TapStatus.Locked, TapStatus.Cleaning, TapStatus.Locked },
            new[] { TapStatus.Cleaning },
            new[] { TapStatus.Locked, TapStatus.Active },
            new[] { TapStatus.Cleaning, TapStatus.Locked, TapStatus.Active, TapStatus.Cleaning },
        };
        await using (await queue.HoldAsync())
        {
            for (var step = 0; step < 4; step++)
            {
                for (var t = 0; t < taps.Count; t++)
                {
                    if (step >= sequences[t].Length) continue;
                    var (id, status) = (taps[t], sequences[t][step]);
                    await host.DbAsync(db => db.Taps.Where(x => x.Id == id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, status)));
                    await host.PublishAsync(new TapChangedNotification(id));
                }
            }
            await host.PublishAsync(new PourProgressNotification(Guid.NewGuid(), taps[0], Guid.NewGuid(), 10, host.Time.GetUtcNow().UtcDateTime));
        }

        var batch = await browser.WaitForAsync<PushBatch<TapDto>>("TapUpdatedBatch");
        var expected = taps.Select((id, t) => (id, sequences[t][^1])).OrderBy(x => x.id).ToList();
        Assert.Equal(expected, batch.Items.Select(x => (x.Id, x.Status)).OrderBy(x => x.Id).ToList());
        // One window, one push per kind: no tap was sent on its own besides the batch.
        await browser.WaitForAsync<PourProgressPush>("PourProgress");
        Assert.Single(browser.Pushes, p => p.Target == "TapUpdatedBatch");
        Assert.DoesNotContain(browser.Pushes, p => p.Target == "TapUpdated" && !batch.Items.Any(i => i.Id == p.Argument.GetProperty("id").GetGuid()));
        Assert.Equal(taps.Count, browser.All<TapDto>("TapUpdated").Count());
    }

    [Fact]
    public async Task Progress_of_many_pours_in_one_window_arrives_as_one_batch_with_the_highest_volume_of_each()
    {
        await using var host = await TapRoomHost.StartAsync();
        var (http, cookies) = await DashboardHubTests.SignInAsync(host);
        using var _ = http;
        await using var browser = await DashboardTestClient.ConnectAsync(host.BaseAddress, cookies);
        var queue = host.Services.GetRequiredService<DashboardPushQueue>();
        var pours = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        var at = host.Time.GetUtcNow().UtcDateTime;

        await using (await queue.HoldAsync())
        {
            foreach (var volume in new[] { 100, 300, 200 })
                foreach (var (pour, i) in pours.Select((p, i) => (p, i)))
                    await host.PublishAsync(new PourProgressNotification(pour, Guid.Empty, Guid.Empty, volume + i, at));
        }

        var batch = await browser.WaitForAsync<PushBatch<PourProgressPush>>("PourProgressBatch");
        Assert.Equal(pours.Select((p, i) => (p, 300 + i)).OrderBy(x => x.p), batch.Items.Select(x => (x.PourSessionId, x.VolumeMl)).OrderBy(x => x.PourSessionId));
    }
}
