using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.ControllerAgent;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Faults;

/// <summary>
/// Two server instances (child processes) on one PostgreSQL database and one Redis, and the real agent (AgentHost with a
/// simulated tap) given both URLs. Instance A is SIGKILLed while the agent pours through it.
/// </summary>
[Trait("Database", "postgres-only")]
public sealed class InstanceKillFailoverTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Instance_A_killed_mid_pour_the_valve_closes_at_the_maximum_the_agent_syncs_on_B_charged_once_and_the_tap_is_active_again()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseOptions.Postgres);
        var prefix = "taproom-test-" + Guid.NewGuid().ToString("N")[..12];
        void Shared(IDictionary<string, string?> env)
        {
            env["ConnectionStrings__Redis"] = TestDatabase.RedisServer;
            env["TapRoom__Redis__Prefix"] = prefix;
        }
        await using var a = await ChildServer.StartAsync(database, Shared);
        await using var b = await ChildServer.StartAsync(database, Shared);
        FaultVenue venue;
        using (var admin = await a.SignInAsync())
            venue = await FaultVenue.ArrangeAsync(admin, taps: 1, guests: 1, money: 1.80m); // 6 per litre: 300 ml authorised
        var tap = venue.Taps[0];
        var guest = venue.Guests[0];

        var agentDirectory = Path.Combine(a.DataDirectory, "agent");
        var settings = new AgentSettings
        {
            ServerUrl = $"{a.BaseAddress},{b.BaseAddress}",
            ApiKey = tap.ApiKey,
            DataDirectory = agentDirectory,
            ReconnectDelaysMs = [0, 100, 250, 500],
            FailoverAfterAttempts = 2,
            Pour = new PourSettings { CardDebounceMs = 300, CheckpointIntervalMs = 200, SettleMs = 100 },
            Screen = { Enabled = false },
        };
        using var rig = new SimulatedTapRig("failover-1", flowRateMlPerSecond: 40, pulsesPerLiter: 5600, noisePercent: 5, seed: 11);
        var finishes = new ConcurrentQueue<JournalFinish>();
        await using var agent = new AgentHost(settings, [rig.Hardware]);
        await agent.StartAsync();
        agent.Taps[0].Executed += c => { if (c is JournalFinish f) finishes.Enqueue(f); };
        await Eventually(() => agent.Connection.IsUp && agent.Taps[0].Machine.Config is not null && agent.Taps[0].Machine.LinkUp, "the agent is on A");
        Assert.Equal(a.BaseAddress, agent.Connection.Server);

        rig.Reader.Present(guest.CardUid);
        await Eventually(() => rig.Valve.IsOpen && rig.PouredMl >= 40, "pouring through A");
        var sessionId = agent.Taps[0].Machine.PourSessionId!.Value;
        await a.KillAsync();
        Assert.True(rig.Valve.IsOpen, $"the pour outlived instance A (at {rig.PouredMl} ml)");

        // The agent leaves the dead instance for B; the pour runs on to its maximum with the card still on the reader.
        await Eventually(() => agent.Connection.IsUp && agent.Connection.Server == b.BaseAddress, "the agent failed over to B");
        await Eventually(() => !finishes.IsEmpty, "the pour ends by itself");
        Assert.False(rig.Valve.IsOpen);
        var finish = Assert.Single(finishes);
        var session = await ReadAsync(database, b, db => db.PourSessions.AsNoTracking().SingleAsync(p => p.Id == sessionId));
        Assert.Equal(300, session.MaxVolumeMl);
        Assert.Equal((sessionId, EndReasons.MaxVolume, session.MaxVolumeMl), (finish.PourSessionId, finish.Reason, finish.VolumeMl));
        var maxPulses = FlowCalibration.PulsesFor(session.MaxVolumeMl, 5600);
        Assert.InRange(rig.Meter.PulseCount, maxPulses, maxPulses + 1);
        rig.Reader.Remove();

        // Synced on B: charged once for exactly what was poured, the guest's lock released, the tap active again.
        await Eventually(() => agent.Journal.PendingCount() == 0, "the agent synced the pour on B and emptied its journal");
        Assert.Empty(agent.Journal.Dead());
        session = await ReadAsync(database, b, db => db.PourSessions.AsNoTracking().SingleAsync(p => p.Id == sessionId));
        Assert.Equal((SyncStatus.Synced, (int?)finish.VolumeMl), (session.SyncStatus, session.VolumeMl));
        var charges = await ReadAsync(database, b, db => db.Ledger.AsNoTracking()
            .Where(l => l.VisitId == guest.VisitId && l.Kind == LedgerKind.PourCharge).ToListAsync());
        var charge = Assert.Single(charges);
        Assert.Equal((sessionId, -6m * finish.VolumeMl / 1000m), (charge.PourSessionId!.Value, charge.Amount));
        await Eventually(async () => await ReadAsync(database, b, db => db.Taps.AsNoTracking().Where(t => t.Id == tap.TapId).Select(t => t.Status).SingleAsync()) == TapStatus.Active,
            "the tap is active again");
        Assert.Null(await ReadAsync(database, b, db => db.Visits.AsNoTracking().Where(v => v.Id == guest.VisitId).Select(v => v.ActiveTapId).SingleAsync()));
        Assert.Equal(1, rig.Valve.OpenCount);

        // The tap pours again through B.
        await Task.Delay(400); // past the card debounce window, so the next presentation is a new one
        rig.Reader.Present(guest.CardUid);
        await Eventually(() => agent.Taps[0].LastDenial is not null || rig.Valve.IsOpen, "B answers the next card");
        Assert.Equal(nameof(DenyReason.InsufficientBalance), agent.Taps[0].LastDenial); // the money is spent: B knows it
        rig.Reader.Remove();

        await agent.DisposeAsync();
        TestDatabase.ClearPools();
        FaultVenue.AssertHolds(await InvariantChecker.CheckAsync(database.ForReading(b.DataDirectory), [(Path.Combine(agentDirectory, "journal.db"), tap.ControllerId)]));
    }

    private static async Task<T> ReadAsync<T>(TestDatabase database, ChildServer server, Func<TapRoom.Server.Data.TapRoomDbContext, Task<T>> read) =>
        await FaultDb.ReadAsync(database.ForReading(server.DataDirectory), read);

    private static Task Eventually(Func<bool> condition, string what) => Eventually(() => Task.FromResult(condition()), what);

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }
}
