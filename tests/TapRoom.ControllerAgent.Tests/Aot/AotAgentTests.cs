using System.Net.Http.Json;
using System.Text.Json;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Connection;
using TapRoom.ControllerAgent.Tests.EndToEnd;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.Server.Features.Controllers;

namespace TapRoom.ControllerAgent.Tests.Aot;

/// <summary>
/// The Native AOT agent, published, as its own process against the real server over real WebSockets: a warning-free
/// AOT build can still fail at run time (reflection-based JSON, aspnetcore #68059), so the binary itself authorises,
/// pours, replays an offline pour, serves its tap screen, fails over and pairs. ./test.sh publishes the binary and runs
/// these (Category=aot); the rest of the suite runs the same agent in-process.
/// </summary>
[Trait("Category", "aot")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AotAgentTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<JsonElement> ScreenStateAsync(Uri screen, int tap = 1) =>
        await Http.GetFromJsonAsync<JsonElement>(new Uri(screen, $"/taps/{tap}/state"));

    private static async Task WaitForPhaseAsync(Uri screen, string phase) =>
        await Eventually.TrueAsync(async () => (await ScreenStateAsync(screen)).GetProperty("phase").GetString() == phase, Deadline, $"screen phase {phase}");

    [Fact]
    public async Task The_binary_authorises_a_card_pours_and_the_pour_is_charged_once()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        var visitId = await venue.GuestWithCardAsync("04A07001", money: 3.00m);
        await using var agent = AgentProcess.Start(AgentProcess.Settings(server.BaseAddress.ToString(), venue.ApiKey, Path.Combine(server.DataDirectory, "agent")));
        await agent.WaitForLineAsync("Connected to", Deadline);
        var screen = await agent.ScreenAsync(Deadline);
        await WaitForPhaseAsync(screen, "idle");

        await agent.PresentAsync(1, "04A07001");
        await Eventually.TrueAsync(async () => (await ScreenStateAsync(screen)).TryGetProperty("volumeMl", out var v) && v.GetInt32() >= 30, Deadline, "pouring");
        var session = (await venue.PoursOfAsync(visitId)).Sessions.Single();
        Assert.Equal(300, session.MaxVolumeMl);
        await agent.RemoveAsync(1);

        await Eventually.TrueAsync(async () => (await venue.PoursOfAsync(visitId)).Sessions.Single().SyncStatus == SyncStatus.Synced, Deadline, "pour synced");
        var (sessions, charges) = await venue.PoursOfAsync(visitId);
        Assert.InRange(sessions.Single().VolumeMl ?? 0, 30, 300);
        Assert.Equal(sessions.Single().ChargedAmount, -Assert.Single(charges).Amount);
        await WaitForPhaseAsync(screen, "finished");
        Assert.Equal(0, await agent.StopAsync(Deadline));
    }

    [Fact]
    public async Task A_pour_that_ends_while_the_server_is_down_is_replayed_when_it_is_back()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        var visitId = await venue.GuestWithCardAsync("04A07002", money: 3.00m);
        await using var agent = AgentProcess.Start(AgentProcess.Settings(server.BaseAddress.ToString(), venue.ApiKey, Path.Combine(server.DataDirectory, "agent")));
        await agent.WaitForLineAsync("Connected to", Deadline);
        var screen = await agent.ScreenAsync(Deadline);
        await WaitForPhaseAsync(screen, "idle");

        await agent.PresentAsync(1, "04A07002");
        await Eventually.TrueAsync(async () => (await ScreenStateAsync(screen)).TryGetProperty("volumeMl", out var v) && v.GetInt32() >= 30, Deadline, "pouring");
        await server.StopServerAsync();
        await Eventually.TrueAsync(async () => !(await ScreenStateAsync(screen)).GetProperty("online").GetBoolean(), Deadline, "the agent sees the link down");
        await agent.RemoveAsync(1);
        await WaitForPhaseAsync(screen, "finished");

        await server.StartServerAsync();
        await Eventually.TrueAsync(async () => (await venue.PoursOfAsync(visitId)).Sessions.Single().SyncStatus == SyncStatus.Synced, Deadline, "offline pour replayed");
        var (sessions, charges) = await venue.PoursOfAsync(visitId);
        Assert.True(sessions.Single().VolumeMl >= 30);
        Assert.Single(charges);
    }

    [Fact]
    public async Task The_binary_serves_the_tap_screen_its_state_and_its_event_stream()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        await using var agent = AgentProcess.Start(AgentProcess.Settings(server.BaseAddress.ToString(), venue.ApiKey, Path.Combine(server.DataDirectory, "agent")));
        var screen = await agent.ScreenAsync(Deadline);
        await WaitForPhaseAsync(screen, "idle");

        var index = await Http.GetAsync(screen);
        Assert.Contains("E2E tap 1", await index.Content.ReadAsStringAsync());
        Assert.StartsWith("default-src 'none'", index.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("screen.js", await Http.GetStringAsync(new Uri(screen, "/taps/1")));
        var state = await ScreenStateAsync(screen);
        Assert.Equal(("E2E tap 1", "Test Lager", true), (state.GetProperty("tapName").GetString(), state.GetProperty("beerName").GetString(), state.GetProperty("online").GetBoolean()));
        Assert.False(state.TryGetProperty("guestFirstName", out _), "nulls are left out");

        using var events = await Http.GetAsync(new Uri(screen, "/taps/1/events"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        string? line;
        do line = await reader.ReadLineAsync(); while (line is not null && !line.StartsWith("data: "));
        Assert.Equal("idle", JsonDocument.Parse(line![6..]).RootElement.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task When_its_server_stops_the_binary_fails_over_to_the_second()
    {
        await using var a = await ServerFixture.StartAsync();
        var (controllerId, apiKey, _) = await a.RegisterControllerAsync(taps: 1);
        await using var b = await ServerFixture.StartAsync(s => s["TapRoom:DataDirectory"] = a.DataDirectory);
        await using var agent = AgentProcess.Start(AgentProcess.Settings($"{a.BaseAddress},{b.BaseAddress}", apiKey, Path.Combine(b.DataDirectory, "agent")));
        Assert.Contains(controllerId.ToString(), await agent.WaitForLineAsync($"Connected to {a.BaseAddress}", Deadline));

        await a.StopServerAsync();
        await agent.WaitForLineAsync($"Connected to {b.BaseAddress}", Deadline);
        Assert.True(b.HelloCalls >= 1);
    }

    [Fact]
    public async Task With_no_key_the_binary_shows_a_code_and_once_adopted_keeps_its_key_connects_and_pairs_again_when_revoked()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        var data = Path.Combine(server.DataDirectory, "agent-paired");
        AdoptController.Result adopted;
        await using (var agent = AgentProcess.Start(AgentProcess.Settings(server.BaseAddress.ToString(), null, data)))
        {
            var code = await agent.PairingCodeAsync(Deadline);
            var screen = await agent.ScreenAsync(Deadline);
            await Eventually.TrueAsync(async () => (await ScreenStateAsync(screen)).TryGetProperty("pairingCode", out var c) && c.GetString() == code, Deadline, "code on the screen");

            adopted = await venue.PostAsync<AdoptController.Result>("/api/controllers/adopt", new { code, name = "pi-aot", tapIds = new[] { venue.TapIds[0] } });
            Assert.Contains(adopted.Id.ToString(), await agent.WaitForLineAsync("Connected to", Deadline));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(AgentKeyFile.PathIn(data)));
            Assert.Equal(0, await agent.StopAsync(Deadline));
        }

        // Started again, it connects with the kept key and asks for no code.
        await using var again = AgentProcess.Start(AgentProcess.Settings(server.BaseAddress.ToString(), null, data));
        await again.WaitForLineAsync("Connected to", Deadline);
        Assert.DoesNotContain(again.Lines, l => l.Contains("Pairing code"));

        // Revoked: the binary drops its key and shows a new code by itself; adopted again, it connects as the new controller.
        await venue.PostAsync<RevokeController.Result>($"/api/controllers/{adopted.Id}/revoke", new { });
        var second = await again.PairingCodeAsync(Deadline);
        Assert.Contains(again.Lines, l => l.Contains("was revoked"));
        Assert.False(File.Exists(AgentKeyFile.PathIn(data)));
        var readopted = await venue.PostAsync<AdoptController.Result>("/api/controllers/adopt", new { code = second, name = "pi-aot again", tapIds = new[] { venue.TapIds[0] } });
        Assert.Contains(readopted.Id.ToString(), await again.WaitForLineAsync("Connected to", Deadline, skip: 1));
        Assert.True(File.Exists(AgentKeyFile.PathIn(data)));
    }
}
