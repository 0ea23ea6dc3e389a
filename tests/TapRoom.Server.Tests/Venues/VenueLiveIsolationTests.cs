using System.Text.Json;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Dashboard;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Venues;

/// <summary>While venue B pours, a dashboard of venue A hears nothing of B's taps, visits, kegs or alerts; an admin's hears both.</summary>
public sealed class VenueLiveIsolationTests
{
    [Fact]
    public async Task A_venues_dashboard_receives_no_push_about_another_venue_while_the_admins_receives_both()
    {
        await using var world = await PourWorld.StartAsync();
        var (staffHttp, staffCookies) = await DashboardHubTests.SignInAsync(world.Host, StaffRole.Staff); // of the first venue, A
        var (adminHttp, adminCookies) = await DashboardHubTests.SignInAsync(world.Host);
        using var _ = staffHttp;
        using var __ = adminHttp;
        var venueB = await world.VenueAsync("Taproom Hafen Live");
        var (tapB, _, clientB) = await world.TapWithControllerAsync(locationId: venueB, remainingMl: 3_500, kegMl: 20_000);
        var (tapA, _, clientA) = await world.TapWithControllerAsync();
        var guestB = await world.GuestAsync(locationId: venueB);
        var guestA = await world.GuestAsync();
        await using var staffOfA = await DashboardTestClient.ConnectAsync(world.Host.BaseAddress, staffCookies);
        await using var admin = await DashboardTestClient.ConnectAsync(world.Host.BaseAddress, adminCookies);

        // B pours (allow, progress, completion, a lost card and a keg going low), then A pours: A's pushes come after B's.
        var allowB = await clientB.Authorize(PourWorld.Present(tapB, guestB));
        await clientB.PourProgress(new PourProgressMessage(allowB.PourSessionId!.Value, 150, world.Now));
        await admin.WaitForAsync<JsonElement>("PourProgress", p => p.GetProperty("tapId").GetGuid() == tapB.TapId);
        await clientB.CompletePour(PourWorld.Completion(allowB.PourSessionId.Value, tapB, 3_000)); // the keg drops under its thresholds
        await clientB.Authorize(new AuthorizeRequest(tapB.TapId, "04DEADBEEF0000", Guid.NewGuid())); // an unknown card at B
        await admin.WaitForAsync<TapDto>("TapUpdated", t => t.Id == tapB.TapId && t.ActivePour is null);

        var allowA = await clientA.Authorize(PourWorld.Present(tapA, guestA));
        await clientA.PourProgress(new PourProgressMessage(allowA.PourSessionId!.Value, 90, world.Now));
        await clientA.CompletePour(PourWorld.Completion(allowA.PourSessionId.Value, tapA, 200));
        await staffOfA.WaitForAsync<TapDto>("TapUpdated", t => t.Id == tapA.TapId && t.ActivePour is null);
        await admin.WaitForAsync<TapDto>("TapUpdated", t => t.Id == tapA.TapId && t.ActivePour is null);

        var ofB = new[] { tapB.TapId, tapB.KegId, guestB.VisitId, venueB }.Select(id => id.ToString()).ToList();
        var heardByA = staffOfA.Pushes.Select(p => $"{p.Target} {p.Argument}").ToList();
        Assert.NotEmpty(heardByA);
        Assert.DoesNotContain(heardByA, push => ofB.Any(id => push.Contains(id, StringComparison.OrdinalIgnoreCase)));
        Assert.Contains(heardByA, push => push.Contains(tapA.TapId.ToString(), StringComparison.OrdinalIgnoreCase));

        var heardByAdmin = admin.Pushes.Select(p => $"{p.Target} {p.Argument}").ToList();
        Assert.Contains(heardByAdmin, push => push.StartsWith("PourDenied") && push.Contains(tapB.TapId.ToString(), StringComparison.OrdinalIgnoreCase));
        Assert.Contains(heardByAdmin, push => push.StartsWith("VisitUpdated") && push.Contains(guestB.VisitId.ToString(), StringComparison.OrdinalIgnoreCase));
        Assert.Contains(heardByAdmin, push => push.StartsWith("KegUpdated") && push.Contains(tapB.KegId.ToString(), StringComparison.OrdinalIgnoreCase));
        Assert.Contains(heardByAdmin, push => push.StartsWith("AlertRaised") && push.Contains(tapB.KegId.ToString(), StringComparison.OrdinalIgnoreCase));
    }
}
