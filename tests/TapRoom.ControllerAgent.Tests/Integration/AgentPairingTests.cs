using System.Net.Http.Json;
using System.Text.Json;
using TapRoom.ControllerAgent.Connection;
using TapRoom.ControllerAgent.Tests.EndToEnd;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.Server.Features.Controllers;

namespace TapRoom.ControllerAgent.Tests.Integration;

/// <summary>An agent with no key joins by a code (CONTRACT.md, "Pairing") against the real server, in-process.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AgentPairingTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task With_no_key_the_agent_shows_a_code_gets_its_key_once_adopted_keeps_it_mode_600_and_connects_without_a_restart()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        var data = Path.Combine(server.DataDirectory, "agent");
        var settings = venue.AgentSettings(data);
        settings.ApiKey = "";
        settings.PairingPollMs = 100;
        using var rig = venue.Rig("pair-1");
        var logs = new CapturingLoggerFactory();
        await using (var agent = new AgentHost(settings, [rig.Hardware], loggers: logs))
        {
            await agent.StartAsync();
            await Eventually.TrueAsync(() => agent.PairingCode is not null, Deadline, "a pairing code");
            var code = agent.PairingCode!;
            Assert.Contains(logs.Lines, l => l.Contains($"Pairing code {code}"));
            using var http = new HttpClient();
            await Eventually.TrueAsync(async () =>
            {
                var state = await http.GetFromJsonAsync<JsonElement>(new Uri(agent.ScreenServer!.Addresses[0], "/taps/1/state"));
                return state.GetProperty("phase").GetString() == "pairing" && state.GetProperty("pairingCode").GetString() == code;
            }, Deadline, "the code on the tap screen");

            var adopted = await venue.PostAsync<AdoptController.Result>("/api/controllers/adopt", new { code, name = "pi-paired", tapIds = new[] { venue.TapIds[0] } });
            await Eventually.TrueAsync(() => agent.Connection.IsUp && agent.Taps[0].Machine.Config is not null, Deadline, "connected with the new key");
            Assert.Equal(adopted.Id, agent.Connection.LastHello!.ControllerId);
            Assert.Null(agent.PairingCode);
            var keyFile = AgentKeyFile.PathIn(data);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            Assert.StartsWith("trk_", await File.ReadAllTextAsync(keyFile));
        }

        // The next start reads the kept key: no code, straight to Hello as the same controller.
        var again = new CapturingLoggerFactory();
        await using var restarted = new AgentHost(settings, [rig.Hardware], loggers: again);
        await restarted.StartAsync();
        await Eventually.TrueAsync(() => restarted.Connection.IsUp, Deadline, "connected after a restart");
        Assert.DoesNotContain(again.Lines, l => l.Contains("Pairing code"));
    }

    [Fact]
    public async Task A_revoked_controller_deletes_its_key_shows_a_new_code_and_connects_again_once_adopted_without_a_restart()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        var data = Path.Combine(server.DataDirectory, "agent");
        var settings = venue.AgentSettings(data);
        settings.ApiKey = "";
        settings.PairingPollMs = 100;
        settings.ReconnectDelaysMs = [0, 200];
        using var rig = venue.Rig("pair-revoked");
        var logs = new CapturingLoggerFactory();
        await using var agent = new AgentHost(settings, [rig.Hardware], loggers: logs);
        await agent.StartAsync();
        await Eventually.TrueAsync(() => agent.PairingCode is not null, Deadline, "a pairing code");
        var first = agent.PairingCode!;
        var adopted = await venue.PostAsync<AdoptController.Result>("/api/controllers/adopt", new { code = first, name = "pi-1", tapIds = new[] { venue.TapIds[0] } });
        await Eventually.TrueAsync(() => agent.Connection.IsUp, Deadline, "connected with the first key");
        var firstKey = AgentKeyFile.Read(data);
        Assert.NotNull(firstKey);

        await venue.PostAsync<RevokeController.Result>($"/api/controllers/{adopted.Id}/revoke", new { });

        // The server aborts the connection and refuses the key; the agent drops the key and shows a new code by itself.
        await Eventually.TrueAsync(() => agent.PairingCode is { } c && c != first, Deadline, "a new pairing code after the revocation");
        var second = agent.PairingCode!;
        Assert.False(agent.Connection.IsUp);
        Assert.False(File.Exists(AgentKeyFile.PathIn(data)));
        Assert.Contains(logs.Lines, l => l.Contains("was revoked") && l.Contains("pairs again"));
        Assert.Contains(logs.Lines, l => l.Contains($"Pairing code {second}"));
        using var http = new HttpClient();
        await Eventually.TrueAsync(async () =>
        {
            var state = await http.GetFromJsonAsync<JsonElement>(new Uri(agent.ScreenServer!.Addresses[0], "/taps/1/state"));
            return state.GetProperty("phase").GetString() == "pairing" && state.GetProperty("pairingCode").GetString() == second;
        }, Deadline, "the new code on the tap screen");

        var readopted = await venue.PostAsync<AdoptController.Result>("/api/controllers/adopt", new { code = second, name = "pi-1 again", tapIds = new[] { venue.TapIds[0] } });
        Assert.NotEqual(adopted.Id, readopted.Id);
        await Eventually.TrueAsync(() => agent.Connection.IsUp && agent.Connection.LastHello?.ControllerId == readopted.Id, Deadline, "connected with the new key");
        Assert.Null(agent.PairingCode);
        var secondKey = AgentKeyFile.Read(data);
        Assert.StartsWith("trk_", secondKey);
        Assert.NotEqual(firstKey, secondKey);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(AgentKeyFile.PathIn(data)));
    }

    [Fact]
    public async Task A_revoked_key_given_in_the_settings_is_kept_and_said_so_and_an_unknown_key_never_starts_a_pairing()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        var registered = await venue.PostAsync<RegisterController.Result>("/api/controllers", new { name = "pi-configured", tapIds = Array.Empty<Guid>() });
        await venue.PostAsync<RevokeController.Result>($"/api/controllers/{registered.Id}/revoke", new { });

        foreach (var (key, wasRevoked) in new[] { (registered.ApiKey, true), ("trk_" + new string('x', 40), false) })
        {
            var data = Path.Combine(server.DataDirectory, "agent-" + (wasRevoked ? "revoked" : "unknown"));
            var settings = venue.AgentSettings(data);
            settings.ApiKey = key;
            settings.PairingPollMs = 100;
            settings.ReconnectDelaysMs = [0, 100];
            using var rig = venue.Rig(wasRevoked ? "configured-revoked" : "configured-unknown");
            var logs = new CapturingLoggerFactory();
            await using (var agent = new AgentHost(settings, [rig.Hardware], loggers: logs))
            {
                await agent.StartAsync();
                await Eventually.TrueAsync(() => logs.Lines.Count(l => l.Contains("Cannot reach")) >= 3, Deadline, "three refused starts");
                Assert.Null(agent.PairingCode);
                Assert.False(agent.Connection.IsUp);
            }
            Assert.DoesNotContain(logs.Lines, l => l.Contains("Pairing code"));
            Assert.False(File.Exists(AgentKeyFile.PathIn(data)));
            // Said once for a revoked key (not at every retry); never for a key the server does not know.
            Assert.Equal(wasRevoked ? 1 : 0, logs.Lines.Count(l => l.Contains("was revoked. Remove the configured key (Agent:ApiKey)")));
        }
    }

    [Fact]
    public void The_key_file_is_replaced_whole_and_stays_mode_600()
    {
        var dir = TempDir.New();
        try
        {
            AgentKeyFile.Write(dir, "trk_first");
            AgentKeyFile.Write(dir, "trk_second");
            Assert.Equal("trk_second", AgentKeyFile.Read(dir));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(AgentKeyFile.PathIn(dir)));
            Assert.Equal([AgentKeyFile.FileName], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
