using Microsoft.Data.Sqlite;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Faults;

/// <summary>The checker can fail: a healthy database passes, and each corruption of a copy is reported as exactly its own rule.</summary>
[Trait("Database", "sqlite-only")]
public sealed class InvariantCheckerTests : IAsyncLifetime
{
    private TapRoomHost _host = null!;
    private Guid _session;
    private Guid _visit;
    private Guid _keg;

    public async Task InitializeAsync()
    {
        _host = await TapRoomHost.StartAsync();
        using var admin = await _host.SignInAsync();
        var venue = await FaultVenue.ArrangeAsync(admin, taps: 1, guests: 1, money: 20m);
        await using var client = await venue.ConnectAsync(venue.Taps[0]);
        var allow = await client.Authorize(new AuthorizeRequest(venue.Taps[0].TapId, venue.Guests[0].CardUid, Guid.NewGuid()));
        Assert.True(allow.Allowed, allow.Message);
        var done = await client.CompletePour(new CompletePourRequest(allow.PourSessionId!.Value, venue.Taps[0].TapId, 500, DateTime.UtcNow, DateTime.UtcNow));
        Assert.Equal((CompletePourOutcome.Synced, 3.00m), (done.Outcome, done.ChargedAmount));
        (_session, _visit, _keg) = (allow.PourSessionId.Value, venue.Guests[0].VisitId, venue.Taps[0].KegId);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_healthy_run_passes()
    {
        FaultVenue.AssertHolds(await InvariantChecker.CheckAsync(await CopyAsync()));
    }

    [Fact]
    public async Task A_deleted_outbox_row_is_reported_as_a_money_movement_without_its_outbox_row()
    {
        var copy = await CopyAsync();
        await ExecAsync(copy, $"DELETE FROM \"PosOutbox\" WHERE \"LedgerEntryId\" = (SELECT \"Id\" FROM \"Ledger\" WHERE \"Kind\" = 'pour_charge' LIMIT 1)");
        var violation = Assert.Single(await InvariantChecker.CheckAsync(copy));
        Assert.StartsWith(InvariantChecker.MoneyHasOutboxRow + ":", violation);
        Assert.Contains("PourCharge", violation);
    }

    [Fact]
    public async Task A_second_charge_with_its_outbox_row_is_reported_as_a_pour_charged_twice()
    {
        var copy = await CopyAsync();
        var entry = Guid.NewGuid();
        await ExecAsync(copy,
            "DROP INDEX \"UX_Ledger_PourCharge\";",
            $"INSERT INTO \"Ledger\" (\"Id\", \"VisitId\", \"Kind\", \"Amount\", \"PourSessionId\", \"Actor\", \"At\") VALUES ('{Upper(entry)}', '{Upper(_visit)}', 'pour_charge', '-3.00', '{Upper(_session)}', 'bug', '2026-11-21 22:00:00');",
            $"INSERT INTO \"PosOutbox\" (\"IdempotencyKey\", \"Kind\", \"PayloadJson\", \"Status\", \"Attempts\", \"NextAttemptAt\", \"CreatedAt\", \"VisitId\", \"LedgerEntryId\", \"LocationId\") " +
            $"VALUES ('{Upper(Guid.NewGuid())}', 'pour', '{{}}', 'pending', 0, '2026-11-21 22:00:00', '2026-11-21 22:00:00', '{Upper(_visit)}', '{Upper(entry)}', (SELECT \"LocationId\" FROM \"Visits\" WHERE \"Id\" = '{Upper(_visit)}'));",
            $"UPDATE \"Visits\" SET \"Balance\" = '14.00' WHERE \"Id\" = '{Upper(_visit)}';"); // booked on the visit too, as the bug would
        var violation = Assert.Single(await InvariantChecker.CheckAsync(copy));
        Assert.Equal($"{InvariantChecker.ChargedOnce}: pour {_session} has 2 charges", violation);
    }

    [Fact]
    public async Task A_refund_beyond_the_balance_is_reported_as_a_balance_below_zero()
    {
        var copy = await CopyAsync();
        var entry = Guid.NewGuid();
        await ExecAsync(copy,
            $"INSERT INTO \"Ledger\" (\"Id\", \"VisitId\", \"Kind\", \"Amount\", \"Actor\", \"At\") VALUES ('{Upper(entry)}', '{Upper(_visit)}', 'refund', '-17.01', 'bug', '2026-11-21 22:00:00');",
            $"INSERT INTO \"PosOutbox\" (\"IdempotencyKey\", \"Kind\", \"PayloadJson\", \"Status\", \"Attempts\", \"NextAttemptAt\", \"CreatedAt\", \"VisitId\", \"LedgerEntryId\", \"LocationId\") " +
            $"VALUES ('{Upper(Guid.NewGuid())}', 'refund', '{{}}', 'pending', 0, '2026-11-21 22:00:00', '2026-11-21 22:00:00', '{Upper(_visit)}', '{Upper(entry)}', (SELECT \"LocationId\" FROM \"Visits\" WHERE \"Id\" = '{Upper(_visit)}'));",
            $"UPDATE \"Visits\" SET \"Balance\" = '-0.01' WHERE \"Id\" = '{Upper(_visit)}';");
        var violation = Assert.Single(await InvariantChecker.CheckAsync(copy));
        Assert.Equal($"{InvariantChecker.BalanceNeverNegative}: visit {_visit} went to -0.01 at ledger entry {entry} (Refund)", violation);
    }

    [Fact]
    public async Task A_stored_balance_that_left_its_ledger_is_reported()
    {
        var copy = await CopyAsync();
        await ExecAsync(copy, $"UPDATE \"Visits\" SET \"Balance\" = '17.01' WHERE \"Id\" = '{Upper(_visit)}';");
        var violation = Assert.Single(await InvariantChecker.CheckAsync(copy));
        Assert.Equal($"{InvariantChecker.BalanceMatchesLedger}: visit {_visit} stores a balance of 17.01 but its ledger sums to 17.00", violation);
    }

    [Fact]
    public async Task Beer_missing_from_a_keg_is_reported_as_volume_not_conserved()
    {
        var copy = await CopyAsync();
        // 40 ml gone and counted as charged, with no pour behind it (CK_Kegs_PartsAddUp keeps the sum itself whole).
        await ExecAsync(copy, $"UPDATE \"Kegs\" SET \"RemainingVolumeMl\" = \"RemainingVolumeMl\" - 40, \"ChargedMl\" = \"ChargedMl\" + 40 WHERE \"Id\" = '{Upper(_keg)}';");
        var violation = Assert.Single(await InvariantChecker.CheckAsync(copy));
        Assert.Equal($"{InvariantChecker.KegVolumeConserved}: keg {_keg} counts 540 ml of pours and 0 ml of cleaning but its pours drained 500 ml and flushes 0 ml", violation);
    }

    [Fact]
    public async Task A_missing_audit_event_and_a_second_lock_on_the_visit_are_reported()
    {
        var copy = await CopyAsync();
        await ExecAsync(copy, $"DELETE FROM \"AuditEvents\" WHERE \"Action\" = 'pour.synced' AND \"SubjectId\" = '{Upper(_session)}';");
        var violation = Assert.Single(await InvariantChecker.CheckAsync(copy));
        Assert.Equal($"{InvariantChecker.StateChangeAudited}: synced pour {_session} has no pour.synced event", violation);

        var locked = await CopyAsync();
        await ExecAsync(locked, $"UPDATE \"PourSessions\" SET \"SyncStatus\" = 'pending_sync', \"SyncedAt\" = NULL WHERE \"Id\" = '{Upper(_session)}';");
        await ExecAsync(locked, "DELETE FROM \"PosOutbox\" WHERE \"Kind\" = 'pour';", $"DELETE FROM \"Ledger\" WHERE \"PourSessionId\" = '{Upper(_session)}';");
        var all = await InvariantChecker.CheckAsync(locked);
        Assert.Contains(all, v => v.StartsWith(InvariantChecker.KegVolumeConserved + ":"));
        Assert.DoesNotContain(all, v => v.StartsWith(InvariantChecker.ChargedOnce + ":"));
    }

    private static string Upper(Guid id) => id.ToString().ToUpperInvariant();

    private async Task<string> CopyAsync()
    {
        var copy = Path.Combine(_host.DataDirectory, $"copy-{Guid.NewGuid():N}.db");
        await using var source = new SqliteConnection($"Data Source={_host.DatabasePath};Pooling=false");
        await source.OpenAsync();
        await using var vacuum = source.CreateCommand();
        vacuum.CommandText = $"VACUUM INTO '{copy}'";
        await vacuum.ExecuteNonQueryAsync();
        return copy;
    }

    private static async Task ExecAsync(string path, params string[] statements)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }
}
