using System.Net;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Tests.Infrastructure;

namespace TapRoom.ControllerAgent.Tests.Integration;

/// <summary>
/// The agent with several server URLs (<c>--server A,B</c>) against real servers over real WebSockets: it skips a server
/// that is not there and moves to the next one when its server goes away, with one connection and one Hello at a time.
/// </summary>
public sealed class AgentFailoverTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static AgentSettings Settings(string servers, string apiKey, string dataDirectory) => new()
    {
        ServerUrl = servers,
        ApiKey = apiKey,
        DataDirectory = dataDirectory,
        ReconnectDelaysMs = [0, 100, 250, 500],
        FailoverAfterAttempts = 2,
        Screen = { Urls = "http://127.0.0.1:0" },
    };

    [Fact]
    public async Task An_unreachable_first_server_is_skipped_and_the_agent_connects_to_the_second()
    {
        await using var server = await ServerFixture.StartAsync();
        var (controllerId, apiKey, _) = await server.RegisterControllerAsync(taps: 1);
        var dead = new Uri($"http://127.0.0.1:{UnusedPort()}/");
        using var rig = new SimulatedTapRig("r1");
        var logs = new CapturingLoggerFactory();
        await using var agent = new AgentHost(Settings($"{dead}, {server.BaseAddress}", apiKey, Path.Combine(server.DataDirectory, "agent")), [rig.Hardware], loggers: logs);
        await agent.StartAsync();

        await Eventually.TrueAsync(() => agent.Connection.IsUp && agent.Taps[0].Machine.LinkUp, Deadline, "connected through the second URL");
        Assert.Equal(server.BaseAddress, agent.Connection.Server);
        Assert.True(agent.Connection.Failovers >= 1);
        Assert.Equal(controllerId, agent.Connection.LastHello!.ControllerId);
        Assert.Equal(1, agent.Connection.HelloCount);
        Assert.Equal(1, server.HelloCalls);
        Assert.Equal(1, server.Calls.MaxOpenConnections);
        Assert.Contains(logs.Lines, l => l.Contains("Cannot reach") && l.Contains(dead.Authority));
        Assert.Equal("on the second", await agent.Connection.Hub.Echo("on the second"));
    }

    [Fact]
    public async Task When_the_first_server_stops_the_agent_moves_to_the_second_with_one_connection_and_one_hello_each()
    {
        // Two instances of one venue (the same database file): the controller's key is valid on both.
        await using var a = await ServerFixture.StartAsync();
        var (controllerId, apiKey, tapIds) = await a.RegisterControllerAsync(taps: 1);
        await using var b = await ServerFixture.StartAsync(s => s["TapRoom:DataDirectory"] = a.DataDirectory);
        using var rig = new SimulatedTapRig("r1");
        await using var agent = new AgentHost(Settings($"{a.BaseAddress},{b.BaseAddress}", apiKey, Path.Combine(b.DataDirectory, "agent")), [rig.Hardware]);
        await agent.StartAsync();

        await Eventually.TrueAsync(() => agent.Connection.IsUp && agent.Taps[0].Machine.LinkUp, Deadline, "connected to the first server");
        Assert.Equal(a.BaseAddress, agent.Connection.Server);
        Assert.Equal((1, 0), (a.HelloCalls, b.HelloCalls));

        await a.StopServerAsync();
        await Eventually.TrueAsync(() => agent.Connection.IsUp && agent.Connection.Server == b.BaseAddress && agent.Taps[0].Machine.LinkUp, Deadline,
            "failed over to the second server");
        Assert.Equal(1, agent.Connection.Failovers);
        Assert.Equal(2, agent.Connection.HelloCount);
        Assert.Equal(1, b.HelloCalls);
        Assert.Equal(1, b.Calls.MostHellosOnOneConnection);
        Assert.Equal(1, b.Calls.MaxOpenConnections);
        Assert.Equal("on the second", await agent.Connection.Hub.Echo("on the second"));
        Assert.True(await b.DbAsync(db => db.Controllers.Where(c => c.Id == controllerId).Select(c => c.IsOnline).SingleAsync()));
        Assert.Equal(tapIds, agent.Taps.Select(t => t.TapId!.Value));
    }

    private static int UnusedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
