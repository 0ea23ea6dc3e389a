using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Data;

/// <summary>
/// Moves a venue from SQLite to PostgreSQL (<c>copy-to-postgres</c>, docs/OPERATIONS.md "Running several instances"):
/// migrates the empty target, copies every table in foreign-key order through the EF model (so every value is
/// converted the way the server reads it: Guids, exact decimals, UTC times, enums), moves the identity sequences past
/// the copied ids, and then proves the copy: equal row counts per table, and per visit the same ledger total, per keg
/// the same remaining volume, per pour the same charge. The source is only read; the server must be stopped.
/// </summary>
public static class DatabaseCopy
{
    public sealed record TableCount(string Table, int Source, int Target);

    public sealed record Report(IReadOnlyList<TableCount> Tables, IReadOnlyList<string> Differences)
    {
        public bool Ok => Differences.Count == 0 && Tables.All(t => t.Source == t.Target);
    }

    private const int Batch = 500;

    public static async Task<Report> CopyAsync(TapRoomDatabase source, TapRoomDatabase target, Action<string> log, CancellationToken ct = default)
    {
        if (!source.IsSqlite || !target.IsPostgres) throw new InvalidOperationException("The copy goes from SQLite to PostgreSQL.");
        await using var from = source.CreateContext();
        if (!await from.Database.CanConnectAsync(ct)) throw new InvalidOperationException($"Cannot open the SQLite database {source.Describe()}.");
        var pending = (await from.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count > 0)
            throw new InvalidOperationException($"The SQLite database lacks {pending.Count} migration(s) of this version ({string.Join(", ", pending)}): start this version of the server on it once, stop it, then copy.");

        await DatabaseSetup.MigratePostgresAsync(target, async () =>
        {
            await using var to = target.CreateContext();
            await to.Database.MigrateAsync(ct);
        }, ct);

        var tables = Tables(from.Model);
        await using (var to = target.CreateContext())
        {
            foreach (var t in tables)
                if (await CountAsync(to, t, ct) > 0)
                    throw new InvalidOperationException($"The PostgreSQL database is not empty ({t.GetTableName()} has rows); copy into a new, empty database.");
        }

        foreach (var t in tables)
        {
            var n = await (Task<int>)typeof(DatabaseCopy).GetMethod(nameof(CopyTableAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(t.ClrType).Invoke(null, [from, target, ct])!;
            log($"{t.GetTableName()}: {n} row(s)");
        }
        await ResetIdentitiesAsync(target, tables, ct);

        var counts = new List<TableCount>();
        await using (var to = target.CreateContext())
        {
            foreach (var t in tables) counts.Add(new TableCount(t.GetTableName()!, await CountAsync(from, t, ct), await CountAsync(to, t, ct)));
            var differences = await CompareAsync(from, to, ct);
            return new Report(counts, differences);
        }
    }

    /// <summary>Every table's entity type (owned types travel with their owner), principals before dependents.</summary>
    public static List<IEntityType> Tables(IModel model)
    {
        var types = model.GetEntityTypes().Where(t => !t.IsOwned() && t.GetTableName() is not null).ToList();
        var ordered = new List<IEntityType>();
        var visiting = new HashSet<IEntityType>();
        void Visit(IEntityType t)
        {
            if (ordered.Contains(t)) return;
            if (!visiting.Add(t)) throw new InvalidOperationException($"Foreign keys form a cycle at {t.DisplayName()}.");
            foreach (var fk in t.GetForeignKeys())
            {
                var principal = fk.PrincipalEntityType;
                while (principal.IsOwned()) principal = principal.FindOwnership()!.PrincipalEntityType;
                if (principal != t) Visit(principal);
            }
            visiting.Remove(t);
            ordered.Add(t);
        }
        foreach (var t in types.OrderBy(t => t.GetTableName(), StringComparer.Ordinal)) Visit(t);
        return ordered;
    }

    private static async Task<int> CopyTableAsync<T>(TapRoomDbContext from, TapRoomDatabase target, CancellationToken ct) where T : class
    {
        // In the order the rows were written (SQLite's rowid), which PostgreSQL keeps as their physical order: a ledger
        // replayed in that order is the ledger as it happened (the invariant checker reads it so), and identity ids
        // (audit, POS outbox) come in the order they were made. Table names come from the model, not from input.
        var sql = string.Format(System.Globalization.CultureInfo.InvariantCulture, "SELECT * FROM \"{0}\" ORDER BY rowid",
            from.Model.FindEntityType(typeof(T))!.GetTableName());
        var rows = from.Set<T>().FromSqlRaw(sql).AsNoTracking();
        // EF Core sorts the inserts of one SaveChanges by key; the ledger goes one row per SaveChanges so that its
        // physical order stays the order it was written in.
        var batch = typeof(T) == typeof(LedgerEntry) ? 1 : Batch;
        var copied = 0;
        var to = target.CreateContext();
        try
        {
            to.ChangeTracker.AutoDetectChangesEnabled = false;
            await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(ct))
            {
                to.Set<T>().Add(row);
                if (++copied % batch == 0)
                {
                    await to.SaveChangesAsync(ct);
                    to.ChangeTracker.Clear();
                }
            }
            await to.SaveChangesAsync(ct);
        }
        finally
        {
            await to.DisposeAsync();
        }
        return copied;
    }

    /// <summary>Identity columns got explicit ids; their sequences continue after the largest.</summary>
    private static async Task ResetIdentitiesAsync(TapRoomDatabase target, List<IEntityType> tables, CancellationToken ct)
    {
        await using var to = target.CreateContext();
        foreach (var t in tables)
        {
            foreach (var p in t.FindPrimaryKey()!.Properties.Where(p => p.ValueGenerated == ValueGenerated.OnAdd && p.ClrType == typeof(long)))
            {
                // Names from the model, not from input.
                var sql = string.Format(System.Globalization.CultureInfo.InvariantCulture,
                    "SELECT setval(pg_get_serial_sequence('\"{0}\"', '{1}'), COALESCE((SELECT MAX(\"{1}\") FROM \"{0}\"), 0) + 1, false)",
                    t.GetTableName(), p.GetColumnName());
                await to.Database.ExecuteSqlRawAsync(sql, ct);
            }
        }
    }

    private static Task<int> CountAsync(TapRoomDbContext db, IEntityType t, CancellationToken ct) =>
        (Task<int>)typeof(DatabaseCopy).GetMethod(nameof(CountOfAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(t.ClrType).Invoke(null, [db, ct])!;

    private static Task<int> CountOfAsync<T>(TapRoomDbContext db, CancellationToken ct) where T : class => db.Set<T>().CountAsync(ct);

    /// <summary>The money and the beer, compared row by row: what the copy must have kept exactly.</summary>
    private static async Task<List<string>> CompareAsync(TapRoomDbContext from, TapRoomDbContext to, CancellationToken ct)
    {
        var differences = new List<string>();
        static async Task<Dictionary<Guid, decimal>> Balances(TapRoomDbContext db, CancellationToken ct) =>
            (await db.Ledger.AsNoTracking().Select(e => new { e.VisitId, e.Amount }).ToListAsync(ct))
                .GroupBy(e => e.VisitId).ToDictionary(g => g.Key, g => g.Sum(e => e.Amount));
        Compare("visit balance", await Balances(from, ct), await Balances(to, ct));
        Compare("keg remaining ml",
            await from.Kegs.AsNoTracking().ToDictionaryAsync(k => k.Id, k => k.RemainingVolumeMl, ct),
            await to.Kegs.AsNoTracking().ToDictionaryAsync(k => k.Id, k => k.RemainingVolumeMl, ct));
        Compare("pour charge",
            await from.PourSessions.AsNoTracking().ToDictionaryAsync(p => p.Id, p => (p.ChargedAmount, p.VolumeMl, p.SyncStatus, p.AuthorizedAt), ct),
            await to.PourSessions.AsNoTracking().ToDictionaryAsync(p => p.Id, p => (p.ChargedAmount, p.VolumeMl, p.SyncStatus, p.AuthorizedAt), ct));
        Compare("visit state",
            await from.Visits.AsNoTracking().ToDictionaryAsync(v => v.Id, v => (v.Status, v.ActiveTapId, v.PouredVolumeMl, v.OpenedAt, v.Balance), ct),
            await to.Visits.AsNoTracking().ToDictionaryAsync(v => v.Id, v => (v.Status, v.ActiveTapId, v.PouredVolumeMl, v.OpenedAt, v.Balance), ct));
        return differences;

        void Compare<TValue>(string what, Dictionary<Guid, TValue> a, Dictionary<Guid, TValue> b)
        {
            foreach (var (id, value) in a)
                if (!b.TryGetValue(id, out var other) || !EqualityComparer<TValue>.Default.Equals(value, other))
                    differences.Add($"{what} of {id}: {value} in SQLite, {(b.ContainsKey(id) ? other : "missing")} in PostgreSQL");
            foreach (var id in b.Keys.Where(k => !a.ContainsKey(k)))
                differences.Add($"{what} of {id}: only in PostgreSQL");
        }
    }
}
