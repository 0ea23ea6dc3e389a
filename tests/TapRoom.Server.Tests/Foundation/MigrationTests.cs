using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using TapRoom.Server.Data;

namespace TapRoom.Server.Tests.Foundation;

[Trait("Database", "sqlite-only")]
public sealed class MigrationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "taproom-tests", "mig-" + Guid.NewGuid().ToString("N"));

    public MigrationTests() => Directory.CreateDirectory(_dir);

    private TapRoomDbContext Context(string name)
    {
        var b = new DbContextOptionsBuilder<TapRoomDbContext>();
        DatabaseSetup.ConfigureSqlite(b, Path.Combine(_dir, name));
        return new TapRoomDbContext(b.Options);
    }

    [Fact]
    public void The_model_has_no_changes_missing_from_the_migrations()
    {
        using var db = Context("pending.db");
        Assert.False(db.Database.HasPendingModelChanges(), "Run: dotnet ef migrations add <Name> (see docs/OPERATIONS.md).");
    }

    [Fact]
    public async Task A_migrated_database_matches_one_created_from_the_model()
    {
        await using (var migrated = Context("migrated.db")) await migrated.Database.MigrateAsync();
        await using (var created = Context("created.db")) await created.Database.EnsureCreatedAsync();

        var a = Schema(Path.Combine(_dir, "migrated.db"));
        var b = Schema(Path.Combine(_dir, "created.db"));
        Assert.NotEmpty(b);
        Assert.Equal(b.Keys.Order(), a.Keys.Order());
        foreach (var key in b.Keys) Assert.Equal(b[key], a[key]);
    }

    [Fact]
    public async Task Down_to_zero_leaves_no_tables_and_up_again_works()
    {
        await using var db = Context("updown.db");
        await db.Database.MigrateAsync();
        Assert.Contains("Visits", Tables(Path.Combine(_dir, "updown.db")));

        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync("0");
        Assert.Empty(Tables(Path.Combine(_dir, "updown.db")).Where(t => !t.StartsWith("__EFMigrations", StringComparison.Ordinal)).ToList());

        await migrator.MigrateAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Contains("PourSessions", Tables(Path.Combine(_dir, "updown.db")));
    }

    [Fact]
    public async Task The_stored_balance_migration_backfills_each_visit_with_the_exact_sum_of_its_ledger()
    {
        var path = Path.Combine(_dir, "backfill.db");
        await using var db = Context("backfill.db");
        var migrator = db.GetService<IMigrator>();
        var all = db.Database.GetMigrations().ToList();
        var stored = all.FindIndex(m => m.EndsWith("_VisitStoredBalance", StringComparison.Ordinal));
        await migrator.MigrateAsync(all[stored - 1]);

        // Visits as an older server left them: amounts as EF writes decimals to SQLite (text), many small charges whose
        // floating-point sum would not be exact, and a visit without a ledger.
        Guid rich = Guid.NewGuid(), poor = Guid.NewGuid(), empty = Guid.NewGuid();
        using (var c = Open(path))
        {
            var sql = new System.Text.StringBuilder("PRAGMA foreign_keys = OFF;");
            foreach (var v in new[] { rich, poor, empty })
                sql.Append($"INSERT INTO \"Visits\" (\"Id\", \"LocationId\", \"GuestId\", \"Status\", \"IsMinor\", \"OpenedAt\", \"OpenedBy\", \"PouredVolumeMl\", \"VolumeLimitMl\") " +
                           $"VALUES ('{v.ToString().ToUpperInvariant()}', '{Guid.NewGuid()}', '{Guid.NewGuid()}', 'active', 0, '2026-11-21 20:00:00', 'desk', 0, 2000);");
            void Entry(Guid visit, string amount) => sql.Append(
                $"INSERT INTO \"Ledger\" (\"Id\", \"VisitId\", \"Kind\", \"Amount\", \"Actor\", \"At\") VALUES ('{Guid.NewGuid()}', '{visit.ToString().ToUpperInvariant()}', 'adjustment', '{amount}', 'desk', '2026-11-21 20:00:00');");
            Entry(rich, "500.0");
            for (var i = 0; i < 1000; i++) Entry(rich, "-0.1");
            Entry(rich, "-0.07");
            Entry(poor, "12.34");
            Entry(poor, "-12.34");
            Exec(c, sql.ToString());
        }

        await migrator.MigrateAsync();
        var balances = await db.Visits.AsNoTracking().ToDictionaryAsync(v => v.Id, v => v.Balance);
        Assert.Equal((399.93m, 0m, 0m), (balances[rich], balances[poor], balances[empty]));
    }

    [Fact]
    public async Task The_slug_migration_gives_the_existing_venue_a_slug_from_its_name()
    {
        var path = Path.Combine(_dir, "slug.db");
        await using var db = Context("slug.db");
        var migrator = db.GetService<IMigrator>();
        var all = db.Database.GetMigrations().ToList();
        var slug = all.FindIndex(m => m.EndsWith("_StaffSessionsAndLocationSlug", StringComparison.Ordinal));
        await migrator.MigrateAsync(all[slug - 1]);
        Guid plain = Guid.NewGuid(), fancy = Guid.NewGuid();
        using (var c = Open(path))
        {
            foreach (var (id, name) in new[] { (plain, "Taproom Mitte"), (fancy, "Zur Brücke") })
                Exec(c, "INSERT INTO \"Locations\" (\"Id\", \"Name\", \"Currency\", \"TimeZone\", \"CreatedAt\", \"EquipmentChecklist\", " +
                        "\"Policies_LockTimeoutSeconds\", \"Policies_FlowIdleTimeoutMs\", \"Policies_PerPourCapMl\", \"Policies_VisitVolumeLimitMl\", " +
                        "\"Policies_MinimumBalanceVolumeMl\", \"Policies_MinimumChargedPourMl\", \"Policies_LateSyncToleranceMl\", " +
                        "\"Policies_LateSyncTolerancePercent\", \"Policies_LegalAge\", \"Policies_PouringRequiresOpenShift\", " +
                        "\"Policies_KegWarningPercent\", \"Policies_KegCriticalPercent\", \"Policies_ControllerHeartbeatTimeoutSeconds\", " +
                        "\"Policies_SyncMismatchCriticalMl\") " +
                        $"VALUES ('{id.ToString().ToUpperInvariant()}', '{name}', 'EUR', 'Europe/Berlin', '2026-11-21 20:00:00', '[]', 120, 8000, 1000, 2000, 50, 10, 20, 5, 18, 1, 15, 5, 30, 100);");
        }

        await migrator.MigrateAsync();
        var slugs = await db.Locations.AsNoTracking().ToDictionaryAsync(l => l.Id, l => l.Slug);
        Assert.Equal("taproom-mitte", slugs[plain]);
        Assert.Equal("venue-" + fancy.ToString("N")[..8], slugs[fancy]);
        Assert.All(slugs.Values, s => Assert.Matches(Domain.Location.SlugPattern(), s));
    }

    [Theory]
    [InlineData("TapRoom", "taproom")]
    [InlineData("Taproom Mitte", "taproom-mitte")]
    [InlineData("  Zur Brücke!  ", "zur-br-cke")]
    [InlineData("ß", "venue")]
    public void A_slug_from_a_name_is_lower_case_letters_digits_and_hyphens(string name, string slug) =>
        Assert.Equal(slug, Domain.Location.SlugFrom(name));

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static List<string> Tables(string path)
    {
        using var c = Open(path);
        return Query(c, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'").Select(r => r[0]).ToList();
    }

    /// <summary>Table by table: columns, indexes (with their columns, uniqueness and filter) and foreign keys.</summary>
    private static Dictionary<string, string> Schema(string path)
    {
        using var c = Open(path);
        var result = new Dictionary<string, string>();
        foreach (var table in Query(c, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__EFMigrations%'").Select(r => r[0]))
        {
            var columns = Query(c, $"SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}') ORDER BY name");
            result[$"{table} columns"] = string.Join("\n", columns.Select(r => string.Join("|", r)));

            var indexes = Query(c, $"SELECT name, \"unique\", origin, partial FROM pragma_index_list('{table}') ORDER BY name");
            foreach (var ix in indexes)
            {
                var cols = Query(c, $"SELECT name FROM pragma_index_info('{ix[0]}') ORDER BY seqno").Select(r => r[0]);
                var sql = Query(c, $"SELECT sql FROM sqlite_master WHERE type='index' AND name='{ix[0]}'").Select(r => r[0]).FirstOrDefault();
                var filter = sql?.Contains(" WHERE ", StringComparison.OrdinalIgnoreCase) == true ? sql[sql.IndexOf(" WHERE ", StringComparison.OrdinalIgnoreCase)..] : "";
                var name = ix[2] == "pk" || ix[0].StartsWith("sqlite_autoindex", StringComparison.Ordinal) ? "(auto)" : ix[0];
                result[$"{table} index {name} {string.Join(",", cols)}"] = $"unique={ix[1]} origin={ix[2]} {filter}";
            }

            var fks = Query(c, $"SELECT \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list('{table}') ORDER BY \"from\", \"table\"");
            result[$"{table} foreign keys"] = string.Join("\n", fks.Select(r => string.Join("|", r)));

            var checks = Query(c, $"SELECT sql FROM sqlite_master WHERE type='table' AND name='{table}'").Select(r => r[0]).Single();
            result[$"{table} checks"] = string.Join("\n", checks.Split('\n').Where(l => l.Contains("CHECK", StringComparison.Ordinal)).Select(l => l.Trim().TrimEnd(',')));
        }
        return result;
    }

    private static SqliteConnection Open(string path)
    {
        var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        return c;
    }

    private static List<string[]> Query(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var rows = new List<string[]>();
        while (r.Read()) rows.Add(Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "∅" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!).ToArray());
        return rows;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
