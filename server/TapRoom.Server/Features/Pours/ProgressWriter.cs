using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// Writes pours' last known volume, many pours in one statement list inside one group-committed transaction
/// (<see cref="CommitBatcher"/>). Each UPDATE only moves a still pending pour forward, so a late or repeated value never
/// wins over a newer one and never touches a finished pour. <see cref="OpenPours"/> calls it once a second in the
/// background; progress reports themselves never wait for it.
/// </summary>
public sealed class ProgressWriter(IServiceScopeFactory scopes, CommitBatcher batcher)
{
    /// <summary>Writes one pour's volume; true while the pour is still pending.</summary>
    public async Task<bool> WriteAsync(Guid pourSessionId, int volumeMl, DateTime at) =>
        (await WriteManyAsync([(pourSessionId, volumeMl, at)])).Contains(pourSessionId);

    /// <summary>Writes the volumes in one transaction and returns the pours the database still has pending.</summary>
    public async Task<IReadOnlySet<Guid>> WriteManyAsync(IReadOnlyCollection<(Guid Id, int VolumeMl, DateTime At)> volumes)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        return await batcher.RunAsync(db, async () =>
        {
            var pending = new HashSet<Guid>();
            foreach (var (id, volume, at) in volumes)
            {
                await db.PourSessions
                    .Where(p => p.Id == id && p.SyncStatus == SyncStatus.PendingSync && p.LastProgressMl <= volume)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.LastProgressMl, volume).SetProperty(p => p.LastProgressAt, at));
            }
            var ids = volumes.Select(v => v.Id).ToList();
            foreach (var id in await db.PourSessions.Where(p => ids.Contains(p.Id) && p.SyncStatus == SyncStatus.PendingSync).Select(p => p.Id).ToListAsync())
                pending.Add(id);
            return (IReadOnlySet<Guid>)pending;
        });
    }
}
