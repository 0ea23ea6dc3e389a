using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Tests.Faults;

/// <summary>Read-only looks into a server's database after a run.</summary>
public static class FaultDb
{
    public static async Task<T> ReadAsync<T>(TapRoomDatabase database, Func<TapRoomDbContext, Task<T>> read)
    {
        await using var db = database.CreateContext();
        return await read(db);
    }

    public static Task<Dictionary<Guid, PourSession>> SessionsAsync(TapRoomDatabase database) =>
        ReadAsync(database, db => db.PourSessions.AsNoTracking().ToDictionaryAsync(p => p.Id));
}
