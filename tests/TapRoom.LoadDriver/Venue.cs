using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TapRoom.Contracts;

namespace TapRoom.LoadDriver;

public sealed record SimTap(Guid TapId, int ControllerIndex);

public sealed record SimController(Guid Id, string ApiKey, IReadOnlyList<Guid> TapIds);

public sealed record SimGuest(Guid GuestId, Guid VisitId, string CardUid);

/// <summary>Arranges a venue through the server's REST API only, as staff would: beer, kegs on taps, controllers, guests with visits and money, an open shift.</summary>
public sealed class Venue
{
    public static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();
    public const decimal PricePerLiter = 5m;

    public required List<SimController> Controllers { get; init; }
    public required List<SimGuest> Guests { get; init; }
    public required Guid BeerTypeId { get; init; }
    public required CookieContainer AdminCookies { get; init; }

    public static HttpClient Client(Uri baseAddress, CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies, UseCookies = true, MaxConnectionsPerServer = 64 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The admin's password: the one the driver gives the server it starts, or <c>--admin-password</c>.</summary>
    public static string AdminPassword { get; set; } = ServerProcess.AdminPassword;

    public static async Task<CookieContainer> SignInAsync(Uri baseAddress)
    {
        var cookies = new CookieContainer();
        using var http = Client(baseAddress, cookies);
        (await http.PostAsJsonAsync("/api/auth/login", new { login = "admin", password = AdminPassword }, Json)).EnsureSuccessStatusCode();
        return cookies;
    }

    public static async Task<Venue> ArrangeAsync(Uri baseAddress, int controllers, int tapsPerController, int guests, int kegMl, Action<string> progress)
    {
        var cookies = await SignInAsync(baseAddress);
        using var http = Client(baseAddress, cookies);
        var run = Guid.NewGuid().ToString("N")[..6];
        var beer = await PostAsync(http, "/api/beer-types", new { name = $"Load Lager {run}", style = "lager", abv = 5.0m, pricePerLiter = PricePerLiter });
        var beerId = beer.GetProperty("id").GetGuid();
        // A server that is already running (--url) may have its shift open already.
        var shift = await http.PostAsJsonAsync("/api/shifts", new { }, Json);
        if (!shift.IsSuccessStatusCode && shift.StatusCode != HttpStatusCode.Conflict)
            throw new InvalidOperationException($"POST /api/shifts → {(int)shift.StatusCode}: {await shift.Content.ReadAsStringAsync()}");

        var taps = new Guid[controllers * tapsPerController];
        await ParallelAsync(taps.Length, 8, async i =>
        {
            var tap = await PostAsync(http, "/api/taps", new { name = $"Load tap {run}-{i + 1}" });
            var keg = await PostAsync(http, "/api/kegs", new { beerTypeId = beerId, nominalVolumeMl = kegMl });
            taps[i] = tap.GetProperty("id").GetGuid();
            await PostAsync(http, $"/api/taps/{taps[i]}/connect-keg", new { kegId = keg.GetProperty("id").GetGuid() });
        });
        progress($"{taps.Length} taps with kegs");

        var sims = new SimController[controllers];
        await ParallelAsync(controllers, 8, async i =>
        {
            var tapIds = taps.Skip(i * tapsPerController).Take(tapsPerController).ToArray();
            var c = await PostAsync(http, "/api/controllers", new { name = $"load-pi-{run}-{i + 1}", tapIds });
            sims[i] = new SimController(c.GetProperty("id").GetGuid(), c.GetProperty("apiKey").GetString()!, tapIds);
        });
        progress($"{controllers} controllers");

        var people = new SimGuest[guests];
        await ParallelAsync(guests, 8, async i =>
        {
            var guest = await PostAsync(http, "/api/guests", new { name = $"Guest {i + 1}", dateOfBirth = new DateOnly(1990, 1, 1) });
            var guestId = guest.GetProperty("id").GetGuid();
            var uid = Convert.ToHexString(Guid.NewGuid().ToByteArray()[..7]);
            var opened = await PostAsync(http, "/api/visits/open-and-assign-card", new { guestId, cardUid = uid, idempotencyKey = Guid.NewGuid().ToString("N") });
            var visitId = opened.GetProperty("visitId").GetGuid();
            await PostAsync(http, $"/api/visits/{visitId}/top-up", new { amount = 500m, comment = "load" });
            await PostAsync(http, $"/api/visits/{visitId}/raise-limit", new { volumeLimitMl = 20_000, comment = "load driver" });
            people[i] = new SimGuest(guestId, visitId, uid);
        });
        progress($"{guests} guests with visits, 500.00 each and a 20 l limit");
        return new Venue { Controllers = [.. sims], Guests = [.. people], BeerTypeId = beerId, AdminCookies = cookies };
    }

    public static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsJsonAsync(path, body, Json);
        var text = await response.Content.ReadAsStringAsync();
        // On PostgreSQL a change that lost a race (after the server's own retries) is refused whole with 409 "conflict":
        // nothing was applied, and the answer says to try again (parallel arrangement through two instances meets it).
        for (var retry = 0; response.StatusCode == System.Net.HttpStatusCode.Conflict && text.Contains("\"code\":\"conflict\"") && retry < 40; retry++)
        {
            await Task.Delay(Random.Shared.Next(50, 100 * Math.Min(retry + 2, 10)));
            response = await http.PostAsJsonAsync(path, body, Json);
            text = await response.Content.ReadAsStringAsync();
        }
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path} → {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task ParallelAsync(int count, int parallelism, Func<int, Task> work)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, parallelism).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count) await work(i);
        }));
    }
}
