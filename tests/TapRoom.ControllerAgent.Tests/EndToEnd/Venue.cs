using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Controllers;

namespace TapRoom.ControllerAgent.Tests.EndToEnd;

/// <summary>
/// A venue arranged the way staff would do it: through the server's REST API (beer, taps, kegs, a controller, an open
/// shift, guests with cards and money), signed in as the admin. The database is only read, to assert.
/// </summary>
public sealed class Venue : IDisposable
{
    /// <summary>The controller's calibration on the server (the default); the simulated meters use the same.</summary>
    public const int PulsesPerLiter = 5600;
    public const decimal PricePerLiter = 10m;
    public const int KegNominalMl = 20_000;
    public static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();

    private Venue(ServerFixture server, HttpClient admin)
    {
        Server = server;
        Admin = admin;
    }

    public ServerFixture Server { get; }
    public HttpClient Admin { get; }
    public Guid ControllerId { get; private set; }
    public string ApiKey { get; private set; } = "";
    public List<Guid> TapIds { get; } = [];
    public List<Guid> KegIds { get; } = [];

    public static async Task<Venue> ArrangeAsync(ServerFixture server, int taps = 1)
    {
        var venue = new Venue(server, await SignInAsync(server, "admin", ServerFixture.AdminPassword));
        var beer = await venue.PostAsync<BeerTypeDto>("/api/beer-types", new { name = "Test Lager", style = "Lager", abv = 5.0m, pricePerLiter = PricePerLiter });
        for (var i = 0; i < taps; i++)
        {
            var tap = await venue.PostAsync<TapDto>("/api/taps", new { name = $"E2E tap {i + 1}", number = i + 1 });
            var keg = await venue.PostAsync<KegDto>("/api/kegs", new { beerTypeId = beer.Id, nominalVolumeMl = KegNominalMl });
            await venue.PostAsync<JsonElement>($"/api/taps/{tap.Id}/connect-keg", new { kegId = keg.Id });
            venue.TapIds.Add(tap.Id);
            venue.KegIds.Add(keg.Id);
        }
        var controller = await venue.PostAsync<RegisterController.Result>("/api/controllers", new { name = "e2e-pi", tapIds = venue.TapIds });
        venue.ControllerId = controller.Id;
        venue.ApiKey = controller.ApiKey;
        await venue.PostAsync<ShiftDto>("/api/shifts", new { });
        return venue;
    }

    public static async Task<HttpClient> SignInAsync(ServerFixture server, string login, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = server.BaseAddress };
        (await client.PostAsJsonAsync("/api/auth/login", new { login, password }, Json)).EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>A guest of age with an open visit on <paramref name="cardUid"/> and <paramref name="money"/> on it; returns the visit id.</summary>
    public async Task<Guid> GuestWithCardAsync(string cardUid, decimal money, string? name = null)
    {
        var guest = await PostAsync<GuestDto>("/api/guests", new { name = name ?? "Guest " + cardUid, dateOfBirth = new DateOnly(1990, 1, 1) });
        var visit = await PostAsync<OpenAndAssignCardResult>("/api/visits/open-and-assign-card",
            new { guestId = guest.Id, cardUid, idempotencyKey = Guid.NewGuid().ToString("N") });
        await PostAsync<MoneyMovementResult>($"/api/visits/{visit.VisitId}/top-up", new { amount = money, comment = "e2e" });
        return visit.VisitId;
    }

    public async Task<T> PostAsync<T>(string path, object body, HttpClient? client = null)
    {
        var response = await (client ?? Admin).PostAsJsonAsync(path, body, Json);
        if (!response.IsSuccessStatusCode) Assert.Fail($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    public async Task<T> GetAsync<T>(string path) => (await Admin.GetFromJsonAsync<T>(path, Json))!;

    public async Task<TapDto> TapAsync(int index) => await GetAsync<TapDto>($"/api/taps/{TapIds[index]}");

    public SimulatedTapRig Rig(string readerId, double flowRateMlPerSecond = 150) =>
        new(readerId, flowRateMlPerSecond, PulsesPerLiter, noisePercent: 5, seed: 7);

    public AgentSettings AgentSettings(string dataDirectory, int cardDebounceMs = 300) => new()
    {
        ServerUrl = Server.BaseAddress.ToString(),
        ApiKey = ApiKey,
        DataDirectory = dataDirectory,
        ReconnectDelaysMs = [0, 100, 250, 500],
        Pour = new ControllerAgent.Pouring.PourSettings { CardDebounceMs = cardDebounceMs, CheckpointIntervalMs = 200, SettleMs = 100 },
        Screen = { Urls = "http://127.0.0.1:0" },
    };

    /// <summary>What the server recorded for the visit: its pour sessions and the ledger's pour charges.</summary>
    public Task<(List<PourSession> Sessions, List<LedgerEntry> Charges)> PoursOfAsync(Guid visitId) => Server.DbAsync(async db =>
    (
        await db.PourSessions.AsNoTracking().Where(p => p.VisitId == visitId).ToListAsync(),
        await db.Ledger.AsNoTracking().Where(l => l.VisitId == visitId && l.Kind == LedgerKind.PourCharge).ToListAsync()
    ));

    public Task<int> AuditCountAsync(string action, Guid? subjectId = null) => Server.DbAsync(db =>
        db.AuditEvents.CountAsync(a => a.Action == action && (subjectId == null || a.SubjectId == subjectId)));

    public void Dispose() => Admin.Dispose();
}
