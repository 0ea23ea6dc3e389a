using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.Server.Features;

namespace TapRoom.ControllerAgent.Tests.EndToEnd;

/// <summary>
/// The real agent (<see cref="AgentHost"/> on simulated tap hardware) against the real server on loopback, with the
/// venue arranged through the REST API. Money: <see cref="Venue.PricePerLiter"/> per litre, so 1.00 buys 100 ml.
/// </summary>
public sealed class PourEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    /// <summary>Records what a tap's runtime did (journal finishes) so a test knows each pour's volume.</summary>
    private static ConcurrentQueue<JournalFinish> Finishes(TapRuntime tap)
    {
        var finishes = new ConcurrentQueue<JournalFinish>();
        tap.Executed += c =>
        {
            if (c is JournalFinish f) finishes.Enqueue(f);
        };
        return finishes;
    }

    private static async Task<AgentHost> StartAgentAsync(Venue venue, string dir, params SimulatedTapRig[] rigs)
    {
        var agent = new AgentHost(venue.AgentSettings(dir), rigs.Select(r => r.Hardware).ToList());
        await agent.StartAsync();
        await Eventually.TrueAsync(() => agent.Connection.IsUp && agent.Taps.All(t => t.Machine.Config is not null && t.Machine.LinkUp), Deadline, "agent connected and configured");
        return agent;
    }

    [Fact]
    public async Task A_full_pour_is_charged_once_and_taken_off_the_keg_and_the_valve_closes_at_the_maximum_within_one_pulse()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        const string card = "04E2E001";
        var visitId = await venue.GuestWithCardAsync(card, money: 3.00m);
        using var rig = venue.Rig("e2e-1", flowRateMlPerSecond: 75);
        await using var agent = await StartAgentAsync(venue, Path.Combine(server.DataDirectory, "agent"), rig);
        var finishes = Finishes(agent.Taps[0]);

        // Pour 1, ended by the guest: card → allow (maximum 300 ml) → valve open → progress → card removed.
        rig.Reader.Present(card);
        await Eventually.TrueAsync(() => rig.Valve.IsOpen, Deadline, "valve opens on the server's allow");
        var first = (await venue.PoursOfAsync(visitId)).Sessions.Single();
        Assert.Equal(300, first.MaxVolumeMl);
        Assert.Equal(venue.TapIds[0], (await server.DbAsync(db => db.Visits.SingleAsync(v => v.Id == visitId))).ActiveTapId);
        await Eventually.TrueAsync(async () => (await venue.TapAsync(0)).ActivePour is { VolumeMl: >= 30 } p && p.PourSessionId == first.Id,
            Deadline, "progress reaches the server (GET /api/taps/{id} shows the running pour)");
        Assert.True(rig.Valve.IsOpen, $"still pouring at {rig.PouredMl} ml");
        rig.Reader.Remove();
        var removedAt = DateTime.UtcNow;
        Assert.False(rig.Valve.IsOpen);
        await Eventually.TrueAsync(async () => (await venue.PoursOfAsync(visitId)).Sessions.Single().SyncStatus == SyncStatus.Synced, Deadline, "pour 1 synced");
        var pour1 = Assert.Single(finishes);
        Assert.Equal(EndReasons.CardRemoved, pour1.Reason);
        Assert.InRange(pour1.VolumeMl, 30, 299);

        // Pour 2 runs into its maximum (what is left of the money) with the card still on the reader. (Presented
        // again within the debounce window it would count as the same presentation.)
        await Eventually.TrueAsync(() => DateTime.UtcNow - removedAt > TimeSpan.FromMilliseconds(400), Deadline, "past the debounce window");
        var pulsesBefore = rig.Meter.PulseCount;
        rig.Reader.Present(card);
        await Eventually.TrueAsync(() => finishes.Count == 2, Deadline, "pour 2 ends by itself");
        Assert.False(rig.Valve.IsOpen);
        var (sessions, charges) = await venue.PoursOfAsync(visitId);
        var second = sessions.Single(s => s.Id != first.Id);
        var pour2 = finishes.Last();
        Assert.Equal(EndReasons.MaxVolume, pour2.Reason);
        Assert.Equal(300 - pour1.VolumeMl, second.MaxVolumeMl);
        var maxPulses = FlowCalibration.PulsesFor(second.MaxVolumeMl, Venue.PulsesPerLiter);
        Assert.InRange(rig.Meter.PulseCount - pulsesBefore, maxPulses, maxPulses + 1);
        Assert.Equal(second.MaxVolumeMl, pour2.VolumeMl);
        rig.Reader.Remove();

        await Eventually.TrueAsync(async () => (await venue.PoursOfAsync(visitId)).Sessions.All(s => s.SyncStatus == SyncStatus.Synced), Deadline, "pour 2 synced");
        (sessions, charges) = await venue.PoursOfAsync(visitId);
        Assert.Equal(new[] { first.Id, second.Id }.Order(), charges.Select(c => c.PourSessionId!.Value).Order());
        Assert.Equal(pour1.VolumeMl, sessions.Single(s => s.Id == first.Id).VolumeMl);
        Assert.Equal(pour2.VolumeMl, sessions.Single(s => s.Id == second.Id).VolumeMl);
        Assert.Equal(-Venue.PricePerLiter * (pour1.VolumeMl + pour2.VolumeMl) / 1000m, charges.Sum(c => c.Amount));
        var visit = (await venue.GetAsync<VisitDetailDto>($"/api/visits/{visitId}")).Visit;
        Assert.Equal((visitId, 0m), (visit.Id, visit.Balance));
        Assert.Equal(pour1.VolumeMl + pour2.VolumeMl, visit.PouredVolumeMl);
        Assert.Null(visit.ActiveTapId);
        var tap = await venue.TapAsync(0);
        Assert.Equal(Venue.KegNominalMl - pour1.VolumeMl - pour2.VolumeMl, tap.KegRemainingMl);
        Assert.Equal(TapStatus.Active, tap.Status);
        Assert.Null(tap.ActivePour);
        await Eventually.TrueAsync(() => agent.Journal.PendingCount() == 0, Deadline, "the agent heard both answers and emptied its journal");
        Assert.Equal(2, rig.Valve.OpenCount);
    }

    [Fact]
    public async Task A_pour_that_outlives_the_server_finishes_at_its_maximum_replays_after_the_restart_and_is_charged_once()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        const string card = "04E2E002";
        var visitId = await venue.GuestWithCardAsync(card, money: 4.00m);
        using var rig = venue.Rig("e2e-2", flowRateMlPerSecond: 50);
        await using var agent = await StartAgentAsync(venue, Path.Combine(server.DataDirectory, "agent"), rig);
        var finishes = Finishes(agent.Taps[0]);
        var hellos = new ConcurrentQueue<HelloResult>();
        agent.Connection.HelloCompleted += hellos.Enqueue;
        bool? valveOpenWhenTheLinkWentDown = null;
        bool? linkUpWhenThePourFinished = null;
        agent.Connection.LinkChanged += up =>
        {
            if (!up) valveOpenWhenTheLinkWentDown ??= rig.Valve.IsOpen;
        };
        agent.Taps[0].Executed += c =>
        {
            if (c is JournalFinish) linkUpWhenThePourFinished ??= agent.Connection.IsUp;
        };

        rig.Reader.Present(card);
        await Eventually.TrueAsync(() => rig.Valve.IsOpen, Deadline, "valve open");
        var sessionId = agent.Taps[0].Machine.PourSessionId!.Value;
        await server.StopServerAsync();
        await Eventually.TrueAsync(() => finishes.Count == 1, Deadline, "the pour finishes offline at its maximum");
        Assert.False(rig.Valve.IsOpen);
        Assert.True(valveOpenWhenTheLinkWentDown, "the pour was running when the server went away");
        Assert.False(linkUpWhenThePourFinished, "the pour finished while the server was away");
        var finish = finishes.Single();
        Assert.Equal((sessionId, EndReasons.MaxVolume, 400), (finish.PourSessionId, finish.Reason, finish.VolumeMl));
        Assert.Equal(1, agent.Journal.PendingCount());
        Assert.Equal(400, agent.Journal.Find(sessionId)!.VolumeMl);
        rig.Reader.Remove();

        await server.StartServerAsync();
        await Eventually.TrueAsync(() => !hellos.IsEmpty, Deadline, "hello after the restart");
        // The first Hello announced one unsynced pour: the server put the tap into processing_sync.
        Assert.Equal(TapStatus.ProcessingSync, hellos.First().Taps.Single().Status);
        await Eventually.TrueAsync(async () => (await venue.TapAsync(0)).Status == TapStatus.Active, Deadline, "tap back to active once the replay is in");
        var processingSync = await server.DbAsync(db => db.AuditEvents.AsNoTracking()
            .Where(a => a.Action == AuditActions.TapStatusChanged && a.SubjectId == venue.TapIds[0]).OrderBy(a => a.Id).Select(a => a.DetailsJson).ToListAsync());
        Assert.Collection(processingSync.SkipWhile(d => !d.Contains("processing_sync")),
            d => Assert.Contains("processing_sync", d.Split("\"to\"")[1]),
            d => Assert.Contains("active", d.Split("\"to\"")[1]));

        var (sessions, charges) = await venue.PoursOfAsync(visitId);
        var session = Assert.Single(sessions);
        Assert.Equal((sessionId, SyncStatus.Synced, 400), (session.Id, session.SyncStatus, session.VolumeMl));
        Assert.Equal(-4.00m, Assert.Single(charges).Amount);
        Assert.Equal(Venue.KegNominalMl - 400, (await venue.TapAsync(0)).KegRemainingMl);
        await Eventually.TrueAsync(() => agent.Journal.PendingCount() == 0, Deadline, "journal emptied");
        Assert.Equal(1, await venue.AuditCountAsync(AuditActions.PourSynced));
        // One Hello per connection, on both ends (the first start's Hello came before the queue), and never two connections
        // at once: the restart does not make two connect attempts race. (A loaded machine may time a connection out and
        // reconnect once more; that is a new connection with its own single Hello, which these counts allow.)
        Assert.NotEmpty(hellos);
        Assert.Equal(1, server.Calls.MostHellosOnOneConnection);
        Assert.Equal(server.HelloCalls, server.Calls.HelloConnections);
        Assert.Equal(hellos.Count + 1, server.HelloCalls);
        Assert.Equal(1, server.Calls.MaxOpenConnections);
    }

    [Fact]
    public async Task An_agent_killed_mid_pour_closes_the_valve_at_start_and_completes_the_session_from_its_checkpoint_once()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        const string card = "04E2E003";
        var visitId = await venue.GuestWithCardAsync(card, money: 10.00m);
        var dir = Path.Combine(server.DataDirectory, "agent");
        using var rig = venue.Rig("e2e-3", flowRateMlPerSecond: 100);
        var agent = await StartAgentAsync(venue, dir, rig);
        var checkpoints = new ConcurrentQueue<JournalCheckpoint>();
        agent.Taps[0].Executed += c =>
        {
            if (c is JournalCheckpoint cp) checkpoints.Enqueue(cp);
        };

        rig.Reader.Present(card);
        await Eventually.TrueAsync(() => checkpoints.Count >= 2, Deadline, "the pour is checkpointed while it runs");
        var sessionId = agent.Taps[0].Machine.PourSessionId!.Value;
        await agent.KillAsync();
        var lastCheckpoint = checkpoints.Last();
        Assert.True(rig.Valve.IsOpen, "a killed process closes nothing");
        rig.Reader.Remove();

        await using var restarted = new AgentHost(venue.AgentSettings(dir), [rig.Hardware]);
        Assert.False(rig.Valve.IsOpen, "the valve is closed as soon as the agent starts");
        var pouredUntilRestart = rig.PouredMl;
        await restarted.StartAsync();
        var recovered = Assert.Single(restarted.Recovered);
        Assert.Equal((sessionId, lastCheckpoint.VolumeMl), (recovered.PourSessionId, recovered.VolumeMl));
        Assert.InRange(recovered.VolumeMl, 1, pouredUntilRestart);

        await Eventually.TrueAsync(async () => (await venue.PoursOfAsync(visitId)).Sessions.Single().SyncStatus == SyncStatus.Synced, Deadline, "recovered pour synced");
        await Eventually.TrueAsync(() => restarted.Journal.PendingCount() == 0, Deadline, "journal emptied");
        var (sessions, charges) = await venue.PoursOfAsync(visitId);
        Assert.Equal(recovered.VolumeMl, sessions.Single().VolumeMl);
        Assert.Equal(-Venue.PricePerLiter * recovered.VolumeMl / 1000m, Assert.Single(charges).Amount);
        Assert.Equal(1, await venue.AuditCountAsync(AuditActions.PourSynced));
        await Eventually.TrueAsync(async () => (await venue.TapAsync(0)).Status == TapStatus.Active, Deadline, "tap active again");
        var visit = (await venue.GetAsync<VisitDetailDto>($"/api/visits/{visitId}")).Visit;
        Assert.Equal((visitId, 10.00m - Venue.PricePerLiter * recovered.VolumeMl / 1000m, recovered.VolumeMl), (visit.Id, visit.Balance, visit.PouredVolumeMl));
        Assert.Null(visit.ActiveTapId);
        Assert.Equal(1, rig.Valve.OpenCount);
    }
}
