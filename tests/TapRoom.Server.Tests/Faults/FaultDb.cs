using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Tests.Faults;

/// <summary>Read-only looks into a database file after a run.</summary>
public static class FaultDb
{
    public static async Task<T> ReadAsync<T>(string databasePath, Func<TapRoomDbContext, Task<T>> read)
    {
        var options = new DbContextOptionsBuilder<TapRoomDbContext>()
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await using var db = new TapRoomDbContext(options.Options);
        return await read(db);
    }

    public static Task<Dictionary<Guid, PourSession>> SessionsAsync(string databasePath) =>
        ReadAsync(databasePath, db => db.PourSessions.AsNoTracking().ToDictionaryAsync(p => p.Id));
}
