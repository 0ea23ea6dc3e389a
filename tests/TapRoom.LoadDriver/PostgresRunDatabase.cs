using Npgsql;

namespace TapRoom.LoadDriver;

/// <summary>
/// A fresh PostgreSQL database for one run (<c>--postgres</c> without <c>--url</c>): created through Npgsql on the server
/// the given connection string points at (connecting to the database it names, else <c>postgres</c>), named
/// <c>taproom_load_&lt;random&gt;</c>, and dropped after the run (after the server the driver started is stopped)
/// unless <c>--keep-database</c>. The run's connection string is the given one with only the database changed.
/// </summary>
public sealed class PostgresRunDatabase : IAsyncDisposable
{
    private readonly string _maintenance;
    private readonly bool _keep;
    private readonly Action<string> _say;

    public string Name { get; }
    public string ConnectionString { get; }

    private PostgresRunDatabase(string maintenance, string name, string connectionString, bool keep, Action<string> say)
    {
        _maintenance = maintenance;
        Name = name;
        ConnectionString = connectionString;
        _keep = keep;
        _say = say;
    }

    public static async Task<PostgresRunDatabase> CreateAsync(string serverConnectionString, bool keep, Action<string> say)
    {
        var given = new NpgsqlConnectionStringBuilder(serverConnectionString);
        var maintenance = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = given.Database ?? "postgres", Pooling = false }.ToString();
        var name = "taproom_load_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(maintenance))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var run = new PostgresRunDatabase(maintenance, name, new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ToString(), keep, say);
        say($"PostgreSQL database {name} created on {given.Host}:{given.Port}" + (keep ? " (kept after the run: --keep-database)" : " (dropped after the run)"));
        return run;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_keep)
        {
            _say($"PostgreSQL database {Name} kept: {ConnectionString}");
            return;
        }
        try
        {
            await using var admin = new NpgsqlConnection(_maintenance);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
            _say($"PostgreSQL database {Name} dropped");
        }
        catch (NpgsqlException ex)
        {
            _say($"PostgreSQL database {Name} could not be dropped: {ex.Message}");
        }
    }
}
