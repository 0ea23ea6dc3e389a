using Microsoft.EntityFrameworkCore;
using Npgsql;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Data;

/// <summary>
/// Which database this server runs on, from <c>TapRoom:Database:Provider</c> (<c>sqlite</c> | <c>postgres</c>) and, for
/// PostgreSQL, <c>ConnectionStrings:TapRoom</c> (docs/adr/0040-postgresql-provider.md).
/// </summary>
public sealed record TapRoomDatabase(string Provider, string ConnectionString)
{
    public bool IsSqlite => Provider == DatabaseOptions.Sqlite;
    public bool IsPostgres => Provider == DatabaseOptions.Postgres;

    /// <summary>Where the data lives, for logs: the file, or host/port/database (never the password).</summary>
    public string Describe()
    {
        if (IsSqlite) return new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource;
        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"postgres://{b.Host}:{b.Port}/{b.Database}";
    }

    public static TapRoomDatabase From(TapRoomOptions options, IConfiguration configuration)
    {
        var provider = (options.Database.Provider ?? DatabaseOptions.Sqlite).Trim().ToLowerInvariant();
        switch (provider)
        {
            case DatabaseOptions.Sqlite:
                return new TapRoomDatabase(provider, DatabaseSetup.ConnectionString(options.DatabasePath));
            case DatabaseOptions.Postgres or "postgresql":
                var cs = configuration.GetConnectionString("TapRoom");
                if (string.IsNullOrWhiteSpace(cs))
                    throw new InvalidOperationException("TapRoom:Database:Provider is postgres but ConnectionStrings:TapRoom is not set (an Npgsql connection string).");
                return new TapRoomDatabase(DatabaseOptions.Postgres, cs);
            default:
                throw new InvalidOperationException($"TapRoom:Database:Provider must be 'sqlite' or 'postgres', not '{options.Database.Provider}'.");
        }
    }

    /// <summary>Configures a context of this provider; <typeparamref name="TContext"/> decides which migrations apply.</summary>
    public void Configure(DbContextOptionsBuilder o)
    {
        var migrations = typeof(TapRoomDbContext).Assembly.GetName().Name;
        if (IsSqlite) o.UseSqlite(ConnectionString, s => s.MigrationsAssembly(migrations));
        // PostgreSQL's own default, READ COMMITTED: the rules rest on atomic statements, row locks and unique indexes
        // (docs/RULES.md, ADR 0078), so pours of different guests never conflict.
        else o.UseNpgsql(ConnectionString, n => n.MigrationsAssembly(migrations));
    }

    /// <summary>A context outside dependency injection (command-line tools, tests).</summary>
    public TapRoomDbContext CreateContext()
    {
        if (IsSqlite)
        {
            var b = new DbContextOptionsBuilder<TapRoomDbContext>();
            Configure(b);
            return new TapRoomDbContext(b.Options);
        }
        var p = new DbContextOptionsBuilder<PostgresTapRoomDbContext>();
        Configure(p);
        return new PostgresTapRoomDbContext(p.Options);
    }
}
