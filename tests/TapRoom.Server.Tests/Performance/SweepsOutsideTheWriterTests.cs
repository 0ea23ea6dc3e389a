using TapRoom.Server.Features.Kegs;
using TapRoom.Server.Features.Pours;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Performance;

/// <summary>
/// The recurring sweeps decide with reads whether they have anything to change, and enter the single writer only then:
/// loading every open pour (or every keg) inside a write transaction held every authorisation up for ~100 ms
/// (docs/PERFORMANCE.md). The batcher's counts are SQLite's (group commit); the sweeps' results are tested on both
/// databases by the lock-timeout and keg-threshold tests.
/// </summary>
[Trait("Database", "sqlite-only")]
public sealed class SweepsOutsideTheWriterTests
{
    [Fact]
    public async Task The_lock_timeout_sweep_writes_nothing_while_no_pour_is_stale_and_times_out_a_stale_one_once()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync();
        var allow = await client.Authorize(PourWorld.Present(tap, await world.GuestAsync()));
        var batcher = world.Host.Services.GetRequiredService<CommitBatcher>();
        var before = await SettledAsync(batcher);

        Assert.Empty((await world.Host.SendAsync(new SweepLockTimeouts.Command())).TimedOut);
        Assert.Equal(before, batcher.Counts);

        world.Host.Time.Advance(TimeSpan.FromSeconds(121));
        Assert.Equal([allow.PourSessionId!.Value], (await world.Host.SendAsync(new SweepLockTimeouts.Command())).TimedOut);
        Assert.Equal(before.Commands + 1, batcher.Counts.Commands);

        // Timed out once: the next sweep finds nothing open and stale, so it writes nothing either.
        Assert.Empty((await world.Host.SendAsync(new SweepLockTimeouts.Command())).TimedOut);
        Assert.Equal(before.Commands + 1, batcher.Counts.Commands);
    }

    [Fact]
    public async Task The_keg_sweep_writes_only_when_a_threshold_is_due()
    {
        await using var world = await PourWorld.StartAsync();
        await world.TapAsync(kegMl: 20_000);
        var low = await world.TapAsync(kegMl: 20_000, remainingMl: 2_000); // 10 %: below the warning (15 %), above critical (5 %)
        var batcher = world.Host.Services.GetRequiredService<CommitBatcher>();
        var before = await SettledAsync(batcher);

        var first = await world.Host.SendAsync(new SweepKegThresholds.Command());
        Assert.Equal([low.KegId], first.Alerted);
        Assert.Equal(before.Commands + 1, batcher.Counts.Commands);

        var again = await world.Host.SendAsync(new SweepKegThresholds.Command());
        Assert.Empty(again.Alerted);
        Assert.Equal(2, again.Checked);
        Assert.Equal(before.Commands + 1, batcher.Counts.Commands);
    }

    /// <summary>The counts once nothing is queued and nothing moved for a moment (a connect's own writes are done).</summary>
    private static async Task<(long Batches, long Commands)> SettledAsync(CommitBatcher batcher)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var last = batcher.Counts;
        while (true)
        {
            await Task.Delay(300);
            var now = batcher.Counts;
            if (now == last && batcher.QueueLength == 0) return now;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the writer never settled");
            last = now;
        }
    }
}
