using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.Server.Tests.Faults;

namespace TapRoom.ControllerAgent.Tests.Faults;

/// <summary>
/// The real agent as its own process (<c>taproom-agent --simulate 2</c>, simulated guests pouring) is SIGKILLed mid-pour
/// and started again on the same journal, twice; then killed once more. Whatever was poured reaches the server once,
/// and the invariant checker passes on the server's database together with the agent's journal.
/// </summary>
public sealed class AgentKillTests
{
    private static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();

    [Fact]
    public async Task Agent_killed_mid_pour_replays_its_journal_and_nothing_is_lost_or_charged_twice()
    {
        await using var server = await ServerFixture.StartAsync();
        using var admin = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = server.BaseAddress };
        await PostAsync(admin, "/api/auth/login", new { login = "admin", password = ServerFixture.AdminPassword });
        var beer = (await PostAsync(admin, "/api/beer-types", new { name = "Kill Kölsch", abv = 4.8m, pricePerLiter = 6m })).GetProperty("id").GetGuid();
        await PostAsync(admin, "/api/shifts", new { });
        var taps = new List<Guid>();
        for (var i = 0; i < 2; i++)
        {
            var tap = (await PostAsync(admin, "/api/taps", new { name = $"Kill tap {i + 1}" })).GetProperty("id").GetGuid();
            var keg = (await PostAsync(admin, "/api/kegs", new { beerTypeId = beer, nominalVolumeMl = 50_000 })).GetProperty("id").GetGuid();
            await PostAsync(admin, $"/api/taps/{tap}/connect-keg", new { kegId = keg });
            taps.Add(tap);
        }
        var controller = await PostAsync(admin, "/api/controllers", new { name = "kill-pi", tapIds = taps });
        var controllerId = controller.GetProperty("id").GetGuid();
        var cards = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var guest = (await PostAsync(admin, "/api/guests", new { name = $"Kill guest {i}", dateOfBirth = new DateOnly(1990, 2, 2) })).GetProperty("id").GetGuid();
            var uid = Convert.ToHexString(Guid.NewGuid().ToByteArray()[..7]);
            var visit = (await PostAsync(admin, "/api/visits/open-and-assign-card", new { guestId = guest, cardUid = uid, idempotencyKey = Guid.NewGuid().ToString("N") })).GetProperty("visitId").GetGuid();
            await PostAsync(admin, $"/api/visits/{visit}/top-up", new { amount = 200m, comment = "kill test" });
            await PostAsync(admin, $"/api/visits/{visit}/raise-limit", new { volumeLimitMl = 20_000, comment = "kill test" });
            cards.Add(uid);
        }

        var agentDir = Path.Combine(server.DataDirectory, "agent");
        var killedMidPour = new List<Guid>();
        for (var round = 0; round < 3; round++)
        {
            using var agent = StartAgent(server.BaseAddress, controller.GetProperty("apiKey").GetString()!, agentDir, cards);
            try
            {
                // Every pour the previous agent left behind is replayed by this one.
                await Eventually.TrueAsync(async () => killedMidPour.Count == 0 || await server.DbAsync(db =>
                    db.PourSessions.CountAsync(p => killedMidPour.Contains(p.Id) && p.SyncStatus == SyncStatus.Synced)) == killedMidPour.Count,
                    TimeSpan.FromSeconds(30), "the journal replayed after the restart");
                var flowing = Guid.Empty;
                await Eventually.TrueAsync(async () =>
                {
                    flowing = await server.DbAsync(db => db.PourSessions.Where(p => p.ControllerId == controllerId && p.SyncStatus == SyncStatus.PendingSync && p.LastProgressMl > 0)
                        .Select(p => p.Id).FirstOrDefaultAsync());
                    return flowing != Guid.Empty;
                }, TimeSpan.FromSeconds(30), "a pour in progress");
                killedMidPour.Add(flowing);
            }
            finally
            {
                agent.Kill(entireProcessTree: true);
                await agent.WaitForExitAsync();
            }
        }

        await server.StopServerAsync();
        var violations = await InvariantChecker.CheckAsync(Path.Combine(server.DataDirectory, "taproom.db"), [(Path.Combine(agentDir, "journal.db"), controllerId)]);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        SqliteConnection.ClearAllPools();
        await server.StartServerAsync();
        var synced = await server.DbAsync(db => db.PourSessions.CountAsync(p => p.ControllerId == controllerId && p.SyncStatus == SyncStatus.Synced));
        Assert.True(synced >= 2, $"only {synced} pours synced");
    }

    private static Process StartAgent(Uri server, string apiKey, string dataDirectory, List<string> cards)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "taproom-agent.dll"));
        info.Environment["Agent__ServerUrl"] = server.ToString();
        info.Environment["Agent__ApiKey"] = apiKey;
        info.Environment["Agent__DataDirectory"] = dataDirectory;
        info.Environment["Agent__Simulate"] = "2";
        info.Environment["Agent__Simulation__MeanSecondsBetweenPours"] = "1";
        info.Environment["Agent__Simulation__FlowRateMlPerSecond"] = "120";
        info.Environment["Agent__Simulation__MinPourMl"] = "150";
        info.Environment["Agent__Simulation__MaxPourMl"] = "400";
        info.Environment["Agent__Simulation__PulsesPerLiter"] = "450";
        for (var i = 0; i < 4; i++) info.Environment[$"Agent__ReconnectDelaysMs__{i}"] = (i * 100).ToString();
        for (var i = 0; i < cards.Count; i++) info.Environment[$"Agent__Simulation__CardUids__{i}"] = cards[i];
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsJsonAsync(path, body, Json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} → {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
