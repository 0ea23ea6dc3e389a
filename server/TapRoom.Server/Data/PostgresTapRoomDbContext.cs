using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Data;

/// <summary>
/// The same model on PostgreSQL, with its own migrations and snapshot in Data/PostgresMigrations (EF Core's
/// "migrations with multiple providers", one context type per provider; docs/adr/0040-postgresql-provider.md).
/// Only what PostgreSQL spells differently is here.
/// </summary>
public sealed class PostgresTapRoomDbContext(DbContextOptions<PostgresTapRoomDbContext> options) : TapRoomDbContext(options)
{
    /// <summary>Case-insensitive comparison for logins, as SQLite's NOCASE: ICU, strength 2 (case ignored, accents not).</summary>
    public const string CaseInsensitive = "taproom_ci";

    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);
        b.HasCollation(CaseInsensitive, locale: "und-u-ks-level2", provider: "icu", deterministic: false);
        b.Entity<StaffUser>().Property(x => x.Login).UseCollation(CaseInsensitive);
    }
}

/// <summary>
/// For <c>dotnet ef migrations add X --context PostgresTapRoomDbContext --output-dir Data/PostgresMigrations</c>:
/// adding a migration needs no server (docs/OPERATIONS.md, "Changing the model").
/// </summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresTapRoomDbContext>
{
    public PostgresTapRoomDbContext CreateDbContext(string[] args)
    {
        var b = new DbContextOptionsBuilder<PostgresTapRoomDbContext>();
        new TapRoomDatabase(Infrastructure.DatabaseOptions.Postgres, "Host=localhost;Database=taproom_design").Configure(b);
        return new PostgresTapRoomDbContext(b.Options);
    }
}
