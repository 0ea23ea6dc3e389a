using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Infrastructure;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Venues;

/// <summary>Several venues on one TapRoom: a visit pours only at its venue, and a pour is charged at its venue's price.</summary>
public sealed class VenueRuleTests(PourWorldFixture fixture) : IClassFixture<PourWorldFixture>
{
    private PourWorld World => fixture.World;

    [Fact]
    public async Task A_card_with_a_visit_at_one_venue_is_denied_wrong_venue_at_another_naming_the_first()
    {
        var hafen = await World.VenueAsync("Taproom Hafen");
        var (tapAtHafen, _, hafenClient) = await World.TapWithControllerAsync(locationId: hafen);
        var guest = await World.GuestAsync(); // the visit is open at the first venue
        var home = await World.DbAsync(db => db.Locations.Where(l => l.Id == World.LocationId).Select(l => l.Name).SingleAsync());

        var denied = await hafenClient.Authorize(PourWorld.Present(tapAtHafen, guest));

        Assert.False(denied.Allowed);
        Assert.Equal(DenyReason.WrongVenue, denied.DenyReason);
        Assert.Contains(home, denied.Message);
        Assert.Null(denied.GuestName); // the other venue's guest is not named here
        Assert.Null(await World.DbAsync(db => db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.ActiveTapId).SingleAsync()));
        Assert.False(await World.DbAsync(db => db.PourSessions.AnyAsync(p => p.TapId == tapAtHafen.TapId)));

        // The same card pours at its own venue.
        var (tapAtHome, _, homeClient) = await World.TapWithControllerAsync();
        Assert.True((await homeClient.Authorize(PourWorld.Present(tapAtHome, guest))).Allowed);
    }

    [Fact]
    public async Task A_pour_is_charged_at_its_venues_price_and_the_catalogues_where_the_venue_sets_none()
    {
        var hafen = await World.VenueAsync("Taproom Hafen Prices");
        var (tapAtHome, _, homeClient) = await World.TapWithControllerAsync(pricePerLiter: 5.00m);
        var (tapAtHafen, _, hafenClient) = await World.TapWithControllerAsync(locationId: hafen, beerTypeId: tapAtHome.BeerTypeId);
        using var admin = await World.Host.SignInAsync();
        var set = await admin.PutAsJsonAsync($"/api/locations/{hafen}/prices/{tapAtHome.BeerTypeId}", new { pricePerLiter = 7.35m }, TapRoomHost.Json);
        var beer = await HttpAssert.OkAsync<BeerTypeDto>(set);
        Assert.Equal((7.35m, 5.00m), (beer.PricePerLiter, beer.CataloguePricePerLiter!.Value));

        var atHome = await World.GuestAsync(balance: 50m);
        var atHafen = await World.GuestAsync(balance: 50m, locationId: hafen);
        var homeAllow = await homeClient.Authorize(PourWorld.Present(tapAtHome, atHome));
        var hafenAllow = await hafenClient.Authorize(PourWorld.Present(tapAtHafen, atHafen));
        var homeDone = await homeClient.CompletePour(PourWorld.Completion(homeAllow.PourSessionId!.Value, tapAtHome, 333));
        var hafenDone = await hafenClient.CompletePour(PourWorld.Completion(hafenAllow.PourSessionId!.Value, tapAtHafen, 333));

        Assert.Equal(1.67m, homeDone.ChargedAmount);  // 333 ml × 5.00 / l = 1.665 → 1.67
        Assert.Equal(2.45m, hafenDone.ChargedAmount); // 333 ml × 7.35 / l = 2.44755 → 2.45
        Assert.Equal(47.55m, await World.DbAsync(db => db.Visits.Where(v => v.Id == atHafen.VisitId).Select(v => v.Balance).SingleAsync()));

        // The venue's list shows its price; the catalogue keeps its own.
        var hafenList = await HttpAssert.OkAsync<List<BeerTypeDto>>(await admin.GetAsync($"/api/beer-types?locationId={hafen}"));
        var catalogue = await HttpAssert.OkAsync<List<BeerTypeDto>>(await admin.GetAsync("/api/beer-types"));
        Assert.Equal(7.35m, hafenList.Single(b => b.Id == tapAtHome.BeerTypeId).PricePerLiter);
        Assert.Equal(5.00m, catalogue.Single(b => b.Id == tapAtHome.BeerTypeId).PricePerLiter);

        // Back to the catalogue's price.
        var reset = await HttpAssert.OkAsync<BeerTypeDto>(await admin.PutAsJsonAsync($"/api/locations/{hafen}/prices/{tapAtHome.BeerTypeId}", new { pricePerLiter = (decimal?)null }, TapRoomHost.Json));
        Assert.Equal(5.00m, reset.PricePerLiter);
    }

    [Fact]
    public async Task A_guest_has_at_most_one_open_visit_per_venue_and_may_have_one_at_each()
    {
        var hafen = await World.VenueAsync("Taproom Hafen Visits");
        using var admin = await World.Host.SignInAsync();
        var guest = await Desk.DeskApi.CreateGuestAsync(admin);
        Task<HttpResponseMessage> Open(Guid venue) => admin.PostAsJsonAsync("/api/visits/open-and-assign-card",
            new { guestId = guest.Id, cardUid = Desk.DeskApi.NewUid(), idempotencyKey = Desk.DeskApi.NewKey(), locationId = venue }, TapRoomHost.Json);

        var atHome = await HttpAssert.OkAsync<OpenAndAssignCardResult>(await Open(World.LocationId));
        var atHafen = await HttpAssert.OkAsync<OpenAndAssignCardResult>(await Open(hafen));
        await HttpAssert.ProblemAsync(await Open(World.LocationId), HttpStatusCode.Conflict, "guest_has_active_visit");

        var venues = await World.DbAsync(db => db.Visits.Where(v => v.GuestId == guest.Id && v.Status == VisitStatus.Active)
            .ToDictionaryAsync(v => v.Id, v => v.LocationId));
        Assert.Equal(2, venues.Count);
        Assert.Equal((World.LocationId, hafen), (venues[atHome.VisitId], venues[atHafen.VisitId]));
    }

    [Fact]
    public async Task A_venue_price_is_refused_for_bad_input_and_for_a_manager_of_another_venue()
    {
        var hafen = await World.VenueAsync("Taproom Hafen Refusals");
        var tap = await World.TapAsync();
        using var admin = await World.Host.SignInAsync();
        foreach (var bad in new[] { -1m, 0m, 1000.01m, 1.234m })
            await HttpAssert.ProblemAsync(await admin.PutAsJsonAsync($"/api/locations/{hafen}/prices/{tap.BeerTypeId}", new { pricePerLiter = bad }, TapRoomHost.Json),
                HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await admin.PutAsJsonAsync($"/api/locations/{hafen}/prices/{Guid.NewGuid()}", new { pricePerLiter = 4m }, TapRoomHost.Json),
            HttpStatusCode.NotFound, "not_found");

        using var homeManager = await World.Host.SignInAsAsync(StaffRole.Manager); // a member of the first venue only
        var refused = await homeManager.PutAsJsonAsync($"/api/locations/{hafen}/prices/{tap.BeerTypeId}", new { pricePerLiter = 4m }, TapRoomHost.Json);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.DoesNotContain(hafen.ToString(), body, StringComparison.OrdinalIgnoreCase);
        Assert.False(await World.DbAsync(db => db.LocationPrices.AnyAsync(p => p.LocationId == hafen)));
    }
}
