using Microsoft.Data.Sqlite;
using Npgsql;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Tests.Infrastructure;

/// <summary>
/// The database a test server runs on. <c>TAPROOM_TEST_DATABASE=postgres</c> (set by ./test.sh for its second run of
/// this project) puts every test host on PostgreSQL: a database of its own, created on the throw-away server that
/// ./test.sh started (<c>TAPROOM_TEST_POSTGRES</c>, an Npgsql connection string without a database) and dropped
/// afterwards. Otherwise a SQLite file in the host's data directory, as in production by default.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string ProviderVariable = "TAPROOM_TEST_DATABASE";
    public const string PostgresVariable = "TAPROOM_TEST_POSTGRES";
    public const string RedisVariable = "TAPROOM_TEST_REDIS";

    /// <summary>The provider of this test run: <c>sqlite</c> unless ./test.sh asked for <c>postgres</c>.</summary>
    public static string RunProvider => Environment.GetEnvironmentVariable(ProviderVariable)?.Trim().ToLowerInvariant() switch
    {
        DatabaseOptions.Postgres => DatabaseOptions.Postgres,
        null or "" or DatabaseOptions.Sqlite => DatabaseOptions.Sqlite,
        var other => throw new InvalidOperationException($"{ProviderVariable} must be sqlite or postgres, not {other}."),
    };

    public static bool RunIsPostgres => RunProvider == DatabaseOptions.Postgres;

    /// <summary>The throw-away PostgreSQL server's connection string (no database); fails clearly when ./test.sh did not start one.</summary>
    public static string PostgresServer => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs ? cs
        : throw new InvalidOperationException($"{PostgresVariable} is not set: run ./test.sh, which starts a throw-away PostgreSQL 15, or export it (e.g. Host=127.0.0.1;Port=5432;Username=postgres).");

    /// <summary>The throw-away Redis (host:port) that ./test.sh started.</summary>
    public static string RedisServer => Environment.GetEnvironmentVariable(RedisVariable) is { Length: > 0 } r ? r
        : throw new InvalidOperationException($"{RedisVariable} is not set: run ./test.sh, which starts a throw-away Redis, or export it (e.g. 127.0.0.1:6379).");

    public string Provider { get; }
    /// <summary>PostgreSQL: the connection string of this test's own database. SQLite: null (the file is in the data directory).</summary>
    public string? ConnectionString { get; }
    public bool IsPostgres => Provider == DatabaseOptions.Postgres;

    private TestDatabase(string provider, string? connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
    }

    /// <summary>A new, empty database of the run's provider (or the one asked for).</summary>
    public static async Task<TestDatabase> CreateAsync(string? provider = null)
    {
        provider ??= RunProvider;
        if (provider == DatabaseOptions.Sqlite) return new TestDatabase(provider, null);
        var name = "taproom_t_" + Guid.NewGuid().ToString("N")[..20];
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServer) { Database = "postgres", Pooling = false }.ToString()))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name, MaxPoolSize = 30 }.ToString();
        return new TestDatabase(provider, cs);
    }

    /// <summary>The server settings that point a host at this database.</summary>
    public void Apply(IDictionary<string, string?> settings)
    {
        settings["TapRoom:Database:Provider"] = Provider;
        if (ConnectionString is not null) settings["ConnectionStrings:TapRoom"] = ConnectionString;
    }

    /// <summary>The same as environment variables for a child process.</summary>
    public void ApplyEnvironment(IDictionary<string, string?> environment)
    {
        environment["TapRoom__Database__Provider"] = Provider;
        if (ConnectionString is not null) environment["ConnectionStrings__TapRoom"] = ConnectionString;
    }

    /// <summary>For reading after a run (checkers, assertions): SQLite read-only on the file in <paramref name="dataDirectory"/>.</summary>
    public TapRoomDatabase ForReading(string dataDirectory) => IsPostgres
        ? new TapRoomDatabase(DatabaseOptions.Postgres, ConnectionString!)
        : new TapRoomDatabase(DatabaseOptions.Sqlite, new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, "taproom.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());

    public static void ClearPools()
    {
        SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        if (!IsPostgres) return;
        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        try
        {
            await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServer) { Database = "postgres", Pooling = false }.ToString());
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The server of the run is thrown away at the end anyway.
        }
    }
}
