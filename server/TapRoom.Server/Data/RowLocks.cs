using Microsoft.EntityFrameworkCore;

namespace TapRoom.Server.Data;

/// <summary>
/// A command that reads a row, checks it and writes it back (the desk's money movements, a force-unlock, a staff
/// status change) takes the row's lock first, so that under READ COMMITTED no concurrent command changes it between
/// the check and the write; the pour path's atomic UPDATEs on the same row wait for it and then see what it wrote. On
/// PostgreSQL this is <c>SELECT … FOR UPDATE</c>; on SQLite the command's transaction already holds the one write lock
/// (group commit begins IMMEDIATE), so there is nothing to do.
/// </summary>
public static class RowLocks
{
    public static async Task LockAsync<T>(TapRoomDbContext db, Guid id, CancellationToken ct) where T : class
    {
        if (!db.Database.IsNpgsql()) return;
        await db.Database.ExecuteSqlRawAsync(Statements<T>.ForUpdate(db), [id], ct);
    }

    /// <summary>
    /// A lock on a name rather than a row (a transaction-scoped advisory lock on PostgreSQL), for a check of something
    /// that does not exist yet: an idempotency key's stored answer, an open alert of a subject. Whoever holds it first
    /// commits before the next reads.
    /// </summary>
    public static async Task LockNameAsync(TapRoomDbContext db, string name, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql()) return;
        await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(hashtextextended({0}, 0))", [name], ct);
    }

    private static class Statements<T> where T : class
    {
        private static string? _sql;

        // The table name comes from the model, never from input; the id is a parameter.
        public static string ForUpdate(TapRoomDbContext db) =>
            _sql ??= "SELECT 1 FROM \"" + db.Model.FindEntityType(typeof(T))!.GetTableName() + "\" WHERE \"Id\" = {0} FOR UPDATE";
    }
}
