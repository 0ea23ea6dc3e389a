using Microsoft.Data.Sqlite;
using TapRoom.Server.Data;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// <c>backup &lt;file&gt;</c>: an online, consistent copy of the live database (SQLite's backup API; the server may keep writing).
/// <c>restore &lt;file&gt;</c>: checks the copy and puts it in place (the server must be stopped).
/// <c>copy-to-postgres &lt;npgsql connection string&gt;</c>: copies the SQLite database into an empty PostgreSQL
/// database and checks the copy (<see cref="DatabaseCopy"/>; the server must be stopped).
/// </summary>
public static class DatabaseCli
{
    public static async Task<bool> TryRunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("backup" or "restore" or "copy-to-postgres")) return false;
        var config = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Skip(2).ToArray())
            .Build();
        var options = config.GetSection(TapRoomOptions.Section).Get<TapRoomOptions>() ?? new TapRoomOptions();
        if (args.Length < 2)
        {
            await Console.Error.WriteLineAsync(args[0] == "copy-to-postgres"
                ? "usage: copy-to-postgres \"Host=…;Database=…;Username=…;Password=…\" [--TapRoom:DataDirectory <dir>]"
                : $"usage: {args[0]} <file> [--TapRoom:DataDirectory <dir>]");
            Environment.ExitCode = 2;
            return true;
        }
        try
        {
            if (args[0] == "backup") Backup(options.DatabasePath, args[1]);
            else if (args[0] == "restore") Restore(args[1], options.DatabasePath);
            else return await CopyToPostgresAsync(options, args[1]);
            Environment.ExitCode = 0;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException or Npgsql.NpgsqlException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"{args[0]} failed: {ex.Message}");
            Environment.ExitCode = 1;
        }
        return true;
    }

    /// <summary>Copies, prints each table's counts, and exits 0 only when the copy checks out.</summary>
    public static async Task<bool> CopyToPostgresAsync(TapRoomOptions options, string connectionString)
    {
        if (!File.Exists(options.DatabasePath)) throw new InvalidOperationException($"No database at {options.DatabasePath}.");
        var source = new TapRoomDatabase(DatabaseOptions.Sqlite, DatabaseSetup.ConnectionString(options.DatabasePath));
        var target = new TapRoomDatabase(DatabaseOptions.Postgres, connectionString);
        Console.WriteLine($"Copying {source.Describe()} to {target.Describe()}...");
        var report = await DatabaseCopy.CopyAsync(source, target, Console.WriteLine);
        foreach (var t in report.Tables.Where(t => t.Source != t.Target))
            await Console.Error.WriteLineAsync($"{t.Table}: {t.Source} row(s) in SQLite but {t.Target} in PostgreSQL");
        foreach (var d in report.Differences) await Console.Error.WriteLineAsync(d);
        if (!report.Ok)
        {
            await Console.Error.WriteLineAsync("The copy does not match; do not switch to it.");
            Environment.ExitCode = 1;
            return true;
        }
        Console.WriteLine($"Copied {report.Tables.Sum(t => t.Target)} rows in {report.Tables.Count} tables; counts, balances, kegs and charges match.");
        Console.WriteLine("Now set TapRoom:Database:Provider=postgres and ConnectionStrings:TapRoom, and start the server.");
        Environment.ExitCode = 0;
        return true;
    }

    public static void Backup(string databasePath, string destination)
    {
        if (!File.Exists(databasePath)) throw new InvalidOperationException($"No database at {databasePath}.");
        var full = Path.GetFullPath(destination);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        if (File.Exists(full)) File.Delete(full);
        using (var source = new SqliteConnection(DatabaseSetup.ConnectionString(databasePath)))
        using (var target = new SqliteConnection(DatabaseSetup.ConnectionString(full) + ";Pooling=False"))
        {
            source.Open();
            target.Open();
            source.BackupDatabase(target);
            using var cmd = target.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=DELETE;";
            cmd.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();
        var check = IntegrityCheck(full);
        if (check != "ok") throw new InvalidOperationException($"The backup failed its integrity check: {check}");
        Console.WriteLine($"Backed up {databasePath} to {full} (integrity ok).");
    }

    public static void Restore(string backup, string databasePath)
    {
        var full = Path.GetFullPath(backup);
        if (!File.Exists(full)) throw new InvalidOperationException($"No backup at {full}.");
        var check = IntegrityCheck(full);
        if (check != "ok") throw new InvalidOperationException($"The backup failed its integrity check: {check}");
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        foreach (var suffix in new[] { "-wal", "-shm" })
            if (File.Exists(databasePath + suffix)) File.Delete(databasePath + suffix);
        File.Copy(full, databasePath, overwrite: true);
        Console.WriteLine($"Restored {full} to {databasePath}.");
    }

    public static string IntegrityCheck(string path)
    {
        using var c = new SqliteConnection(DatabaseSetup.ConnectionString(path) + ";Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check;";
        return cmd.ExecuteScalar()?.ToString() ?? "unknown";
    }
}
