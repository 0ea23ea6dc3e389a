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
