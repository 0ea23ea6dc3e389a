using System.Net.Http.Json;
using System.Text.Json;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Tests.Infrastructure;

namespace TapRoom.ControllerAgent.Tests.EndToEnd;

/// <summary>
/// The tap settings a controller gets carry the beer on the tap (for its guest screen), and follow it: a keg emptied,
/// another beer connected, a price changed reach the agent with ConfigChanged, and its screen shows them.
/// </summary>
public sealed class TapScreenConfigTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_screen_shows_the_beer_of_the_connected_keg_and_follows_an_emptied_keg_a_new_beer_and_a_new_price()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        using var rig = venue.Rig("config-tap");
        await using var agent = new AgentHost(venue.AgentSettings(Path.Combine(server.DataDirectory, "agent")), [rig.Hardware]);
        await agent.StartAsync();
        var machine = agent.Taps[0].Machine;
        await Eventually.TrueAsync(() => machine.Config?.BeerName == "Test Lager", Deadline, "the beer at Hello");
        Assert.Equal((Venue.PricePerLiter, "EUR", 5.0m, "Lager"), (machine.Config!.PricePerLiter, machine.Config.Currency, machine.Config.Abv, machine.Config.BeerStyle));
        using var screen = new HttpClient { BaseAddress = agent.ScreenServer!.Addresses[0] };
        await Eventually.TrueAsync(async () => (await State(screen)).TryGetProperty("pricePer100Ml", out var price) && price.GetDecimal() == 1.00m,
            Deadline, "the screen's price per 100 ml");

        await venue.PostAsync<JsonElement>($"/api/kegs/{venue.KegIds[0]}/empty", new { });
        await Eventually.TrueAsync(() => machine.Config is { BeerName: null, Status: TapStatus.OutOfKeg }, Deadline, "no beer once the keg is empty");
        await Eventually.TrueAsync(async () => (await State(screen)).GetProperty("phase").GetString() == "out_of_keg", Deadline, "the screen says the keg is changed");

        var stout = await venue.PostAsync<BeerTypeDto>("/api/beer-types", new { name = "Dry Stout", style = "Stout", abv = 4.2m, pricePerLiter = 12m });
        var keg = await venue.PostAsync<KegDto>("/api/kegs", new { beerTypeId = stout.Id, nominalVolumeMl = 20_000 });
        await venue.PostAsync<JsonElement>($"/api/taps/{venue.TapIds[0]}/connect-keg", new { kegId = keg.Id });
        await Eventually.TrueAsync(() => machine.Config is { BeerName: "Dry Stout", PricePerLiter: 12m, Status: TapStatus.Active }, Deadline, "the new beer");

        (await venue.Admin.PutAsJsonAsync($"/api/beer-types/{stout.Id}", new { pricePerLiter = 13.5m }, Venue.Json)).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(() => machine.Config?.PricePerLiter == 13.5m, Deadline, "the new price");
        await Eventually.TrueAsync(async () =>
        {
            var state = await State(screen);
            return state.GetProperty("phase").GetString() == "idle" && state.TryGetProperty("beerName", out var beer) && beer.GetString() == "Dry Stout"
                && state.TryGetProperty("pricePer100Ml", out var price) && price.GetDecimal() == 1.35m;
        }, Deadline, "the screen shows the new beer at its new price");
    }

    private static async Task<JsonElement> State(HttpClient screen) => JsonDocument.Parse(await screen.GetStringAsync("/taps/1/state")).RootElement.Clone();
}
