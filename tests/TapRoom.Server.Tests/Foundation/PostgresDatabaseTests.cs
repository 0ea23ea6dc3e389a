using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Foundation;

/// <summary>Both providers' migrations follow the model (no server needed: runs in every run).</summary>
public sealed class ProviderMigrationTests
{
    [Theory]
    [InlineData(DatabaseOptions.Sqlite, "Data Source=:memory:")]
    [InlineData(DatabaseOptions.Postgres, "Host=127.0.0.1;Database=not_used")]
    public void Neither_provider_has_model_changes_missing_from_its_migrations(string provider, string connectionString)
    {
        using var db = new TapRoomDatabase(provider, connectionString).CreateContext();
        Assert.True(db.GetType() == (provider == DatabaseOptions.Sqlite ? typeof(TapRoomDbContext) : typeof(PostgresTapRoomDbContext)));
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(),
            $"The {provider} migrations lag behind the model. Run: dotnet ef migrations add <Name> --context {db.GetType().Name} (docs/OPERATIONS.md, \"Changing the model\").");
    }

    [Fact]
    public void Each_provider_has_its_own_migrations_and_snapshot()
    {
        using var sqlite = new TapRoomDatabase(DatabaseOptions.Sqlite, "Data Source=:memory:").CreateContext();
        using var postgres = new TapRoomDatabase(DatabaseOptions.Postgres, "Host=127.0.0.1;Database=not_used").CreateContext();
        var snapshots = typeof(TapRoomDbContext).Assembly.GetTypes()
            .Where(t => typeof(Microsoft.EntityFrameworkCore.Infrastructure.ModelSnapshot).IsAssignableFrom(t)).Select(t => t.FullName).Order().ToList();
        Assert.Equal(["TapRoom.Server.Data.Migrations.TapRoomDbContextModelSnapshot", "TapRoom.Server.Data.PostgresMigrations.PostgresTapRoomDbContextModelSnapshot"], snapshots);
        Assert.Empty(sqlite.Database.GetMigrations().Intersect(postgres.Database.GetMigrations()));
    }
}

/// <summary>PostgreSQL itself: migrating from several instances at once, exact money, UTC times.</summary>
[Trait("Database", "postgres-only")]
public sealed class PostgresDatabaseTests
{
    [Fact]
    public async Task Three_instances_starting_at_once_on_an_empty_database_migrate_and_seed_it_once()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseOptions.Postgres);
        var hosts = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => TapRoomHost.StartAsync(database: database)));
        try
        {
            await using var db = database.ForReading("").CreateContext();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            var applied = await db.Database.SqlQueryRaw<string>("SELECT \"MigrationId\" AS \"Value\" FROM \"__EFMigrationsHistory\"").ToListAsync();
            Assert.Equal(db.Database.GetMigrations().Order(), applied.Order());
            Assert.Equal(1, await db.Locations.CountAsync());
            Assert.Equal(1, await db.StaffUsers.CountAsync());
            Assert.Equal(1, await db.AuditEvents.CountAsync(a => a.Action == "staff_user.created"));
            foreach (var host in hosts)
            {
                using var admin = await host.SignInAsync();
                Assert.True((await admin.GetAsync("/api/auth/me")).IsSuccessStatusCode);
            }
        }
        finally
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Money_is_numeric_times_are_timestamptz_and_both_keep_their_exact_values()
    {
        await using var host = await TapRoomHost.StartAsync(database: await TestDatabase.CreateAsync(DatabaseOptions.Postgres));
        var columns = await host.DbAsync(db => db.Database.SqlQueryRaw<ColumnType>(
            "SELECT table_name AS \"Table\", column_name AS \"Column\", data_type AS \"Type\", numeric_precision AS \"Precision\", numeric_scale AS \"Scale\" " +
            "FROM information_schema.columns WHERE table_schema = 'public'").ToListAsync());
        await using (var db = host.ReadDatabase.CreateContext())
        {
            foreach (var entity in db.Model.GetEntityTypes())
            {
                var table = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(entity.GetTableName()!, null);
                foreach (var p in entity.GetProperties())
                {
                    var type = Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType;
                    if (type != typeof(decimal) && type != typeof(DateTime)) continue;
                    var column = columns.Single(c => c.Table == table.Name && c.Column == p.GetColumnName(table));
                    if (type == typeof(decimal)) Assert.Equal(("numeric", 18, 4), (column.Type, column.Precision, column.Scale));
                    else Assert.Equal("timestamp with time zone", column.Type);
                }
            }
        }
        Assert.Contains(columns, c => c.Type == "numeric");

        // Values that binary floating point or a local clock would bend come back as they went in.
        using var manager = await host.SignInAsAsync(Contracts.StaffRole.Manager);
        var price = 6.15m; // not exact in binary floating point
        var beer = await Faults.FaultVenue.PostAsync(manager, "/api/beer-types", new { name = "Exact", style = "pils", abv = 4.8m, pricePerLiter = price });
        var id = beer.GetProperty("id").GetGuid();
        var stored = await host.DbAsync(db => db.BeerTypes.AsNoTracking().SingleAsync(b => b.Id == id));
        Assert.Equal(price, stored.PricePerLiter);
        Assert.Equal(DateTimeKind.Utc, stored.CreatedAt.Kind);
        Assert.Equal(host.Time.GetUtcNow().UtcDateTime, stored.CreatedAt);
        var raw = await host.DbAsync(db => db.Database.SqlQueryRaw<string>(
            "SELECT to_char(\"CreatedAt\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '|' || \"PricePerLiter\"::text AS \"Value\" FROM \"BeerTypes\" WHERE \"Id\" = {0}", id).SingleAsync());
        Assert.Equal($"{host.Time.GetUtcNow().UtcDateTime:yyyy-MM-dd'T'HH:mm:ss}|6.1500", raw);
    }

    [Fact]
    public async Task Logins_are_unique_and_found_whatever_their_case()
    {
        await using var host = await TapRoomHost.StartAsync(database: await TestDatabase.CreateAsync(DatabaseOptions.Postgres));
        using (await host.SignInAsync("ADMIN")) { }
        using var admin = await host.SignInAsync();
        var clash = await admin.PostAsJsonAsync("/api/staff", new { login = "Admin", name = "Second admin", password = "password-123", role = "admin" }, TapRoomHost.Json);
        Assert.False(clash.IsSuccessStatusCode);
        Assert.Equal(1, await host.DbAsync(db => db.StaffUsers.CountAsync()));
    }

    private sealed record ColumnType(string Table, string Column, string Type, int? Precision, int? Scale);
}
