using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Foundation;

[Trait("Database", "sqlite-only")]
public sealed class BackupTests
{
    [Fact]
    public async Task A_backup_taken_while_the_server_writes_restores_to_a_consistent_database()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        var backup = Path.Combine(host.DataDirectory, "backups", "taproom-backup.db");

        using var stop = new CancellationTokenSource();
        var written = 0;
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var r = await admin.PostAsJsonAsync("/api/staff", new { login = $"user{written}", name = "Writer", password = "password-123", role = "staff" });
                r.EnsureSuccessStatusCode();
                written++;
            }
        });
        while (written < 5) await Task.Delay(10);
        DatabaseCli.Backup(host.DatabasePath, backup);
        var afterBackup = written;
        while (written < afterBackup + 5) await Task.Delay(10);
        await stop.CancelAsync();
        await writer;

        Assert.Equal("ok", DatabaseCli.IntegrityCheck(backup));

        // Restore into a fresh data directory and start a server on it.
        var restoredDir = Path.Combine(host.DataDirectory, "restored");
        DatabaseCli.Restore(backup, Path.Combine(restoredDir, "taproom.db"));
        await using var restored = await TapRoomHost.StartAsync(dataDirectory: restoredDir);
        var users = await restored.DbAsync(db => db.StaffUsers.CountAsync());
        var created = await restored.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "staff_user.created"));
        Assert.InRange(users - 1, 5, afterBackup + 1);
        Assert.Equal(users, created); // every user came with its audit event: nothing half-copied
        var fkProblems = await restored.DbAsync(db => db.Database.SqlQueryRaw<string>("SELECT \"table\" AS Value FROM pragma_foreign_key_check").ToListAsync());
        Assert.Empty(fkProblems);
        using var client = restored.CreateClient();
        Assert.True((await client.GetAsync("/healthz")).IsSuccessStatusCode);
    }

    [Fact]
    public async Task The_server_executable_takes_backup_and_restore_commands()
    {
        await using var host = await TapRoomHost.StartAsync();
        var target = Path.Combine(host.DataDirectory, "cli-backup.db");
        var exitBefore = Environment.ExitCode;
        try
        {
            Assert.True(await DatabaseCli.TryRunAsync(["backup", target, "--TapRoom:DataDirectory", host.DataDirectory]));
            Assert.Equal(0, Environment.ExitCode);
            Assert.True(File.Exists(target));
            Assert.True(await DatabaseCli.TryRunAsync(["restore", Path.Combine(host.DataDirectory, "missing.db"), "--TapRoom:DataDirectory", host.DataDirectory + "-x"]));
            Assert.Equal(1, Environment.ExitCode);
            Assert.False(await DatabaseCli.TryRunAsync(["--urls", "http://127.0.0.1:0"]));
        }
        finally
        {
            Environment.ExitCode = exitBefore;
            SqliteConnection.ClearAllPools();
        }
    }
}
