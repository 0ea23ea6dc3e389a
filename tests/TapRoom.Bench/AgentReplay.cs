using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TapRoom.Contracts;
using TapRoom.ControllerAgent;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Storage;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Controllers;

/// <summary>
/// The real agent's journal replayer against the real server: <c>pours</c> finished pours in the agent's journal
/// (pre-authorised on the server, written straight into both databases: the product cannot hold that many open
/// authorisations on one tap), then the agent starts, connects, says Hello and replays them; timed until its journal is
/// empty and the server has every pour synced.
/// </summary>
public static class AgentReplay
{
    public static async Task RunAsync(IServiceProvider server, Uri url, string dir, RegisterController.Result pi, Guid tapId, Guid visitId, int pours)
    {
        const int volumeMl = 15;
        var settings = new AgentSettings { ServerUrl = url.ToString(), ApiKey = pi.ApiKey, DataDirectory = Path.Combine(dir, "replay-agent"), ReconnectDelaysMs = [0, 100, 250] };
        var ids = Enumerable.Range(0, pours).Select(_ => Guid.NewGuid()).ToList();
        var at = DateTime.UtcNow.AddMinutes(-30);
        using (var scope = server.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
            var keg = await db.Taps.Where(t => t.Id == tapId).Select(t => t.KegId!.Value).FirstAsync();
            db.PourSessions.AddRange(ids.Select(id => new PourSession
            {
                Id = id, VisitId = visitId, TapId = tapId, KegId = keg, ControllerId = pi.Id, RequestId = Guid.NewGuid(), CardUid = "04BE0C01",
                MaxVolumeMl = 100, PricePerLiter = 10m, AuthorizedAt = at, SyncStatus = SyncStatus.PendingSync,
            }));
            await db.SaveChangesAsync();
        }
        new PourJournal(settings.JournalPath).Dispose(); // the agent's schema
        await using (var journal = new SqliteConnection($"Data Source={settings.JournalPath}"))
        {
            await journal.OpenAsync();
            await using var tx = await journal.BeginTransactionAsync();
            var cmd = journal.CreateCommand();
            cmd.CommandText = """
                INSERT INTO pour_sessions (session_id, tap_id, max_ml, pulses_per_liter, started_at, volume_ml, pulses, ended_at, end_reason, state)
                VALUES ($id, $tap, 100, 5600, $at, $v, 84, $end, 'card_removed', 'finished');
                """;
            var id = cmd.Parameters.Add("$id", SqliteType.Text);
            cmd.Parameters.AddWithValue("$tap", tapId.ToString("D"));
            cmd.Parameters.AddWithValue("$at", at.ToString("O", CultureInfo.InvariantCulture));
            cmd.Parameters.AddWithValue("$v", volumeMl);
            cmd.Parameters.AddWithValue("$end", at.AddSeconds(5).ToString("O", CultureInfo.InvariantCulture));
            foreach (var sessionId in ids)
            {
                id.Value = sessionId.ToString("D");
                await cmd.ExecuteNonQueryAsync();
            }
            await tx.CommitAsync();
        }
        SqliteConnection.ClearAllPools();
        Console.WriteLine($"{pours} finished pours in the agent's journal, pending on the server");

        using var rig = new SimulatedTapRig("replay", flowRateMlPerSecond: 60, pulsesPerLiter: 5600);
        var clock = Stopwatch.StartNew();
        await using var agent = new AgentHost(settings, [rig.Hardware]);
        await agent.StartAsync();
        var deadline = TimeSpan.FromMinutes(5);
        while (agent.Journal.PendingCount() > 0 && clock.Elapsed < deadline) await Task.Delay(20);
        var journalEmpty = clock.Elapsed;
        int synced;
        using (var scope = server.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
            synced = await db.PourSessions.CountAsync(p => p.ControllerId == pi.Id && p.SyncStatus == SyncStatus.Synced);
        }
        var left = agent.Journal.PendingCount();
        Console.WriteLine(left == 0
            ? $"Agent journal replay: {pours} pours in {journalEmpty.TotalSeconds:F1} s = {pours / journalEmpty.TotalSeconds:F0}/s (from the agent's start, incl. connect and Hello); server: {synced} synced"
            : $"Agent journal replay: NOT finished after {deadline.TotalMinutes} min: {left} left, server: {synced} synced");
    }
}
