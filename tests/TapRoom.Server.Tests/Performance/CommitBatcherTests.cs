using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Performance;

/// <summary>Commands share commits (ADR 0034): one transaction per batch, a savepoint per command.</summary>
/// <summary>Group commit is SQLite's (one writer); on PostgreSQL each command has its own transaction (ADR 0041).</summary>
[Trait("Database", "sqlite-only")]
public sealed class CommitBatcherTests
{
    [Fact]
    public async Task A_failing_command_in_a_shared_commit_leaves_its_neighbours_committed_and_itself_fully_rolled_back()
    {
        await using var host = await TapRoomHost.StartAsync();
        var batcher = host.Services.GetRequiredService<CommitBatcher>();
        var gate = host.Services.GetRequiredService<WriteGate>();
        var before = batcher.Counts;
        var names = new[] { "Batch A", "Batch B (fails)", "Batch C" };

        Task<Guid>[] commands;
        // While another writer holds the gate, the three commands queue up and then share one transaction.
        using (await gate.EnterAsync(CancellationToken.None))
        {
            commands = names.Select(name => Task.Run(async () =>
            {
                using var scope = host.Services.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
                return await batcher.RunAsync(db, async () =>
                {
                    var beer = new BeerType { Id = Guid.NewGuid(), Name = name, Abv = 5m, PricePerLiter = 6m, CreatedAt = host.Time.GetUtcNow().UtcDateTime };
                    db.BeerTypes.Add(beer);
                    await db.SaveChangesAsync();
                    // Written twice (an INSERT and an UPDATE) before it fails: both must go.
                    await db.BeerTypes.Where(b => b.Id == beer.Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.PricePerLiter, 7m));
                    if (name.Contains("fails")) throw new InvalidOperationException("this command breaks after writing");
                    return beer.Id;
                });
            })).ToArray();
            await PollAsync(() => Task.FromResult(batcher.QueueLength == 3), "three commands queued");
        }

        var a = await commands[0];
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => commands[1]);
        Assert.Equal("this command breaks after writing", failure.Message);
        var c = await commands[2];

        var stored = await host.DbAsync(db => db.BeerTypes.AsNoTracking().Where(b => b.Name.StartsWith("Batch ")).OrderBy(b => b.Name).Select(b => new { b.Id, b.Name, b.PricePerLiter }).ToListAsync());
        Assert.Equal([(a, "Batch A", 7m), (c, "Batch C", 7m)], stored.Select(b => (b.Id, b.Name, b.PricePerLiter)));
        var after = batcher.Counts;
        Assert.Equal((1L, 3L), (after.Batches - before.Batches, after.Commands - before.Commands));
    }

    [Fact]
    public async Task Racing_authorisations_in_one_shared_commit_still_give_exactly_one_allow_and_a_rejected_completion_beside_them_changes_nothing()
    {
        await using var world = await Pours.PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync();
        var gate = world.Host.Services.GetRequiredService<WriteGate>();
        var batcher = world.Host.Services.GetRequiredService<CommitBatcher>();
        var guests = new[] { await world.GuestAsync(), await world.GuestAsync() };

        Task<Contracts.AuthorizeResult>[] allows;
        Task<Contracts.CompletePourResult> unknown;
        using (await gate.EnterAsync(CancellationToken.None))
        {
            // Two cards race for one tap (exactly one may win) and a completion of an unknown pour is rejected.
            allows = guests.Select(g => client.Authorize(Pours.PourWorld.Present(tap, g))).ToArray();
            unknown = client.CompletePour(Pours.PourWorld.Completion(Guid.NewGuid(), tap, 100));
            await PollAsync(() => Task.FromResult(batcher.QueueLength == 3), "three commands queued");
        }
        var results = await Task.WhenAll(allows);
        Assert.Single(results, r => r.Allowed);
        Assert.Equal(Contracts.CompletePourOutcome.Rejected, (await unknown).Outcome);
        var won = results.Single(r => r.Allowed).PourSessionId!.Value;
        Assert.Equal(1, await world.DbAsync(db => db.PourSessions.CountAsync()));
        Assert.Equal(won, await world.DbAsync(db => db.PourSessions.Select(p => p.Id).SingleAsync()));
        Assert.Equal(1, await world.DbAsync(db => db.Visits.CountAsync(v => v.ActivePourSessionId == won)));
        Assert.Equal(1, await world.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == Features.AuditActions.PourSyncRejected)));
    }

    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
            await Task.Delay(10);
        }
    }
}
