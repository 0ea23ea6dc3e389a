using System.Net.Http.Json;
using System.Text.Json;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Faults;

public sealed record FaultTap(Guid TapId, Guid KegId, Guid ControllerId, string ApiKey);

public sealed record FaultGuest(Guid GuestId, Guid VisitId, string CardUid);

/// <summary>
/// A venue arranged only through the REST API (as staff would), so that every row the invariant checker reads was
/// written by the product itself: beer, an open shift, taps with kegs and one controller each, guests with money.
/// </summary>
public sealed class FaultVenue
{
    public required Uri BaseAddress { get; init; }
    public required List<FaultTap> Taps { get; init; }
    public required List<FaultGuest> Guests { get; init; }

    public static async Task<FaultVenue> ArrangeAsync(HttpClient admin, int taps, int guests, decimal money = 50m)
    {
        var beer = await PostAsync(admin, "/api/beer-types", new { name = "Fault Pils", style = "pils", abv = 4.8m, pricePerLiter = 6m });
        await PostAsync(admin, "/api/shifts", new { });
        var tapList = new List<FaultTap>();
        for (var i = 0; i < taps; i++)
        {
            var tapId = (await PostAsync(admin, "/api/taps", new { name = $"Fault tap {i + 1}" })).GetProperty("id").GetGuid();
            var kegId = (await PostAsync(admin, "/api/kegs", new { beerTypeId = beer.GetProperty("id").GetGuid(), nominalVolumeMl = 50_000 })).GetProperty("id").GetGuid();
            await PostAsync(admin, $"/api/taps/{tapId}/connect-keg", new { kegId });
            var controller = await PostAsync(admin, "/api/controllers", new { name = $"fault-pi-{i + 1}", tapIds = new[] { tapId } });
            tapList.Add(new FaultTap(tapId, kegId, controller.GetProperty("id").GetGuid(), controller.GetProperty("apiKey").GetString()!));
        }
        var guestList = new List<FaultGuest>();
        for (var i = 0; i < guests; i++)
        {
            var guestId = (await PostAsync(admin, "/api/guests", new { name = $"Fault guest {i + 1}", dateOfBirth = new DateOnly(1988, 5, 5) })).GetProperty("id").GetGuid();
            var uid = Convert.ToHexString(Guid.NewGuid().ToByteArray()[..7]);
            var visitId = (await PostAsync(admin, "/api/visits/open-and-assign-card", new { guestId, cardUid = uid, idempotencyKey = Guid.NewGuid().ToString("N") }))
                .GetProperty("visitId").GetGuid();
            await PostAsync(admin, $"/api/visits/{visitId}/top-up", new { amount = money, comment = "fault suite" });
            guestList.Add(new FaultGuest(guestId, visitId, uid));
        }
        return new FaultVenue { BaseAddress = admin.BaseAddress!, Taps = tapList, Guests = guestList };
    }

    /// <summary>A controller connection that reconnects quickly (a restarted server is back within a second or two).</summary>
    public async Task<ControllerHubClient> ConnectAsync(FaultTap tap, int pendingSyncCount = 0)
    {
        var client = new ControllerHubClient(BaseAddress, tap.ApiKey,
            new DeterministicRetryPolicy([TimeSpan.Zero, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250)]),
            serverTimeout: TimeSpan.FromSeconds(5), keepAlive: TimeSpan.FromSeconds(1));
        await client.StartAsync();
        await client.Hello(new HelloRequest("fault-suite", pendingSyncCount));
        return client;
    }

    public static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsJsonAsync(path, body, TapRoomHost.Json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} → {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Retries a hub call through a dropped or restarting link until the server answers (bounded).</summary>
    public static async Task<T> UntilAnsweredAsync<T>(ControllerHubClient client, Func<ControllerHubClient, Task<T>> call, int timeoutMs = 20_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            try
            {
                if (client.Connection.State == Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected) return await call(client);
            }
            catch (Exception ex) when (ex is not Microsoft.AspNetCore.SignalR.HubException && DateTime.UtcNow < deadline) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The server never answered.");
            await Task.Delay(50);
        }
    }

    public static void AssertHolds(IReadOnlyList<string> violations) =>
        Assert.True(violations.Count == 0, "Invariant violations:\n" + string.Join("\n", violations));
}
