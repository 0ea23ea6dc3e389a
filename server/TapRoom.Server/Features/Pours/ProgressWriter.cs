using Microsoft.EntityFrameworkCore;
using Npgsql;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// Writes pours' last known volume, a chunk of pours at a time (the <see cref="PourLifecycle"/> progress transition):
/// on SQLite inside one group-committed transaction (<see cref="CommitBatcher"/>), on PostgreSQL as one statement per
/// chunk in a READ COMMITTED transaction of its own. <see cref="OpenPours"/> calls it once a second in the background;
/// progress reports themselves never wait for it.
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
        if (db.Database.IsSqlite())
            return await batcher.RunAsync((connection, transaction) => PourLifecycle.ProgressOnSqliteAsync(connection, transaction, volumes), "progress_flush");
        await db.Database.OpenConnectionAsync();
        try
        {
            // One statement is its own transaction: nothing to begin or commit around it.
            return await PourLifecycle.ProgressOnPostgresAsync((NpgsqlConnection)db.Database.GetDbConnection(), volumes, CancellationToken.None);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
