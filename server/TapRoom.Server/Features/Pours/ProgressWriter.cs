using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
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
        if (db.Database.IsSqlite()) return await batcher.RunAsync((connection, transaction) => WriteOnSqliteAsync(connection, transaction, volumes), "progress_flush");
        // PostgreSQL: READ COMMITTED, not the SERIALIZABLE every other command gets. Each UPDATE is a single conditional
        // statement that only moves a pending pour forward; PostgreSQL re-checks its WHERE on the locked row, so racing
        // writers (another instance's flush, a completion) cannot move a volume back, and a serialization failure here
        // (seen with concurrent flushes) would only throw the flush away until the next one.
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
        var written = await WriteWithEfAsync(db, volumes);
        await tx.CommitAsync();
        return written;
    }

    private static async Task<IReadOnlySet<Guid>> WriteWithEfAsync(TapRoomDbContext db, IReadOnlyCollection<(Guid Id, int VolumeMl, DateTime At)> volumes)
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
        return pending;
    }

    /// <summary>
    /// The same two statements as the EF path, as two commands prepared once and run for every pour of the chunk. Through
    /// EF every row cost a query-cache lookup and a fresh statement (5–30 ms of the single writer per 100 pours, measured
    /// under the target load), and authorisations queued behind it; prepared, the chunk takes about a millisecond. The
    /// values are written as EF writes them on SQLite: a Guid as upper-case text, a time as
    /// <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c> (UTC), an enum in snake case (ProgressWriterTests read them back through EF).
    /// </summary>
    private static async Task<IReadOnlySet<Guid>> WriteOnSqliteAsync(SqliteConnection connection, SqliteTransaction transaction,
        IReadOnlyCollection<(Guid Id, int VolumeMl, DateTime At)> volumes)
    {
        var pendingText = JsonNamingPolicy.SnakeCaseLower.ConvertName(nameof(SyncStatus.PendingSync));
        await using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = """
            UPDATE "PourSessions" SET "LastProgressMl" = $ml, "LastProgressAt" = $at
            WHERE "Id" = $id AND "SyncStatus" = $pending AND "LastProgressMl" <= $ml
            """;
        var (uId, uMl, uAt) = (update.Parameters.Add("$id", SqliteType.Text), update.Parameters.Add("$ml", SqliteType.Integer), update.Parameters.Add("$at", SqliteType.Text));
        update.Parameters.AddWithValue("$pending", pendingText);
        await using var check = connection.CreateCommand();
        check.Transaction = transaction;
        check.CommandText = """SELECT 1 FROM "PourSessions" WHERE "Id" = $id AND "SyncStatus" = $pending""";
        var cId = check.Parameters.Add("$id", SqliteType.Text);
        check.Parameters.AddWithValue("$pending", pendingText);
        var pending = new HashSet<Guid>();
        foreach (var (id, volume, at) in volumes)
        {
            var key = id.ToString().ToUpperInvariant();
            (uId.Value, uMl.Value, uAt.Value) = (key, volume, DateTime.SpecifyKind(at, DateTimeKind.Utc).ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
            await update.ExecuteNonQueryAsync();
            cId.Value = key;
            if (await check.ExecuteScalarAsync() is not null) pending.Add(id);
        }
        return pending;
    }
}
