using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Hubs;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Storage;
using TapRoom.ControllerAgent.Tests.Infrastructure;

namespace TapRoom.ControllerAgent.Tests.Integration;

/// <summary>The real agent (AgentHost, simulated hardware) against the real server over real WebSockets.</summary>
public sealed class AgentServerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private static AgentSettings Settings(ServerFixture server, string apiKey, string dataDirectory) => new()
    {
        ServerUrl = server.BaseAddress.ToString(),
        ApiKey = apiKey,
        DataDirectory = dataDirectory,
        ReconnectDelaysMs = [0, 100, 250, 500],
    };

    [Fact]
    public async Task The_agent_says_hello_with_its_taps_denies_locally_while_the_server_is_down_and_says_hello_again_after_a_restart()
    {
        await using var server = await ServerFixture.StartAsync();
        var (controllerId, apiKey, tapIds) = await server.RegisterControllerAsync(taps: 2);
        var dir = Path.Combine(server.DataDirectory, "agent");
        using var rig1 = new SimulatedTapRig("r1");
        using var rig2 = new SimulatedTapRig("r2");
        var logs = new CapturingLoggerFactory();
        await using var agent = new AgentHost(Settings(server, apiKey, dir), [rig1.Hardware, rig2.Hardware], loggers: logs);
        await agent.StartAsync();

        await Eventually.TrueAsync(() => agent.Connection.IsUp && agent.Taps.All(t => t.Machine.Config is not null), Deadline, "first hello");
        Assert.Equal(1, agent.Connection.HelloCount);
        Assert.Equal(controllerId, agent.Connection.LastHello!.ControllerId);
        Assert.Equal(tapIds, agent.Taps.Select(t => t.TapId!.Value));
        Assert.All(agent.Taps, t => Assert.Equal((TapStatus.Active, 1000, 8000), (t.Machine.Config!.Status, t.Machine.Config.MaxPourMl, t.Machine.Config.FlowIdleTimeoutMs)));
        Assert.True(await server.DbAsync(db => db.Controllers.Where(c => c.Id == controllerId).Select(c => c.IsOnline).SingleAsync()));
        Assert.Equal("1.0.0", await server.DbAsync(db => db.Controllers.Where(c => c.Id == controllerId).Select(c => c.AgentVersion).SingleAsync()));

        // The server's pushes reach the agent: a tap locked by staff refuses cards without asking; new calibration applies.
        var hub = server.Service<IHubContext<ControllerHub, IControllerClient>>();
        await hub.Clients.Group(ControllerHub.GroupFor(controllerId)).TapStateChanged(new TapStateChangedMessage(tapIds[1], TapStatus.Locked));
        await Eventually.TrueAsync(() => agent.Taps[1].Machine.Config!.Status == TapStatus.Locked, Deadline, "TapStateChanged applied");
        rig2.Reader.Present("04A1B2C3");
        await Eventually.TrueAsync(() => agent.Taps[1].LastDenial == nameof(DenyReason.TapNotActive), Deadline, "locked tap refuses");
        rig2.Reader.Remove();
        var config = agent.Connection.LastHello!;
        await hub.Clients.Group(ControllerHub.GroupFor(controllerId)).ConfigChanged(config with
        {
            Taps = config.Taps.Select(t => t with { PulsesPerLiter = 520, MaxPourMl = 400 }).ToList(),
        });
        await Eventually.TrueAsync(() => agent.Taps.All(t => t.Machine.Config is { PulsesPerLiter: 520, MaxPourMl: 400 }), Deadline, "ConfigChanged applied");

        Assert.Equal(1, server.HelloCalls);
        await server.StopServerAsync();
        await Eventually.TrueAsync(() => !agent.Connection.IsUp, Deadline, "the agent notices the server is gone");
        rig1.Reader.Present("04A1B2C3");
        await Eventually.TrueAsync(() => agent.Taps[0].Machine.State == PourState.Denied, Deadline, "local deny");
        Assert.False(rig1.Valve.IsOpen);
        Assert.Equal(0, rig1.Valve.OpenCount);
        rig1.Reader.Remove();

        await server.StartServerAsync();
        // Reconnect attempts are 10 s apart by now (the deterministic schedule), so allow two of them.
        var helloDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(35);
        while (!(agent.Connection.IsUp && agent.Connection.HelloCount >= 2) && DateTime.UtcNow < helloDeadline) await Task.Delay(25);
        // Exactly one new Hello: one per connection, and the restart costs one connection (counted by the agent and by a
        // hub filter in the server, which also sees Hellos that failed or reached the stopping server).
        Assert.True(agent.Connection.IsUp && agent.Connection.HelloCount >= 2, $"hello after the restart (hellos: {agent.Connection.HelloCount}, state {agent.Connection.State}, up {agent.Connection.IsUp})");
        await Eventually.TrueAsync(() => agent.Taps.All(t => t.Machine.LinkUp), Deadline, "taps see the link");
        Assert.True(await server.DbAsync(db => db.Controllers.Where(c => c.Id == controllerId).Select(c => c.IsOnline).SingleAsync()));
        Assert.Equal(0, rig1.Valve.OpenCount);
        Assert.Equal(0, rig2.Valve.OpenCount);
        Assert.Contains(logs.Lines, l => l.Contains("Cannot reach") || l.Contains("Connection to"));
        // Still one: no second connect attempt raced in after the first one succeeded.
        Assert.Equal("still one connection", await agent.Connection.Hub.Echo("still one connection"));
        // One Hello per connection on both ends and never two connections open at once (a loaded machine may still time
        // a connection out and reconnect: a new connection with its own single Hello).
        Assert.Equal(server.HelloCalls, agent.Connection.HelloCount);
        Assert.Equal(server.HelloCalls, server.Calls.HelloConnections);
        Assert.Equal(1, server.Calls.MostHellosOnOneConnection);
        Assert.Equal(1, server.Calls.MaxOpenConnections);
        Assert.DoesNotContain(logs.Lines, l => l.Contains(apiKey) || l.Contains(apiKey[4..]));
    }

    [Fact]
    public async Task The_first_connect_is_retried_until_the_server_appears_and_hello_reports_the_journals_pending_pours()
    {
        await using var server = await ServerFixture.StartAsync();
        var (controllerId, apiKey, tapIds) = await server.RegisterControllerAsync(taps: 1);
        await server.StopServerAsync();

        // A pour finished while offline, waiting in the journal.
        var dir = Path.Combine(server.DataDirectory, "agent");
        using (var journal = new PourJournal(Path.Combine(dir, "journal.db")))
        {
            var session = Guid.NewGuid();
            journal.Start(session, tapIds[0], 500, 450, DateTime.UtcNow.AddMinutes(-2));
            journal.Finish(session, 333, 150, DateTime.UtcNow.AddMinutes(-1), EndReasons.CardRemoved);
        }

        using var rig = new SimulatedTapRig("r1");
        await using var agent = new AgentHost(Settings(server, apiKey, dir), [rig.Hardware]);
        await agent.StartAsync();
        rig.Reader.Present("04A1B2C3");
        await Eventually.TrueAsync(() => agent.Taps[0].Machine.State == PourState.Denied, Deadline, "deny before any hello (fail closed)");
        rig.Reader.Remove();
        Assert.Equal(0, agent.Connection.HelloCount);

        await server.StartServerAsync();
        await Eventually.TrueAsync(() => agent.Connection.HelloCount == 1, Deadline, "the first connect succeeds once the server is up");
        // The server heard "1 pending": the tap waits in processing_sync, and the agent says so to new cards.
        Assert.Equal(TapStatus.ProcessingSync, await server.DbAsync(db => db.Taps.Where(t => t.Id == tapIds[0]).Select(t => t.Status).SingleAsync()));
        Assert.Equal(TapStatus.ProcessingSync, agent.Connection.LastHello!.Taps.Single().Status);
        Assert.Equal(controllerId, agent.Connection.LastHello.ControllerId);
        // The replay may already have run: the server does not know this session and rejects it (kept as dead).
        Assert.Equal(1, agent.Journal.PendingCount() + agent.Journal.Dead().Count);
        rig.Reader.Present("04A1B2C4");
        await Eventually.TrueAsync(() => agent.Taps[0].LastDenial == nameof(DenyReason.TapNotActive), Deadline, "tap_not_active, asked locally");
        Assert.Equal(0, rig.Valve.OpenCount);
    }
}
