using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Demo;

namespace TapRoom.ControllerAgent.Tests.EndToEnd;

/// <summary><c>--demo</c>: the server seeds the demo venue and its in-process simulated taps pour, through the real hub.</summary>
public sealed class DemoEndToEndTests
{
    [Fact]
    public async Task The_demo_server_runs_simulated_taps_whose_guests_pour_and_are_charged()
    {
        await using var server = await ServerFixture.StartAsync(s =>
        {
            s["TapRoom:Demo"] = "true";
            s["TapRoom:DemoBar:MeanSecondsBetweenPours"] = "1";
            s["TapRoom:DemoBar:ScreenUrls"] = "http://127.0.0.1:0";
        });
        var bar = server.Service<IEnumerable<IHostedService>>().OfType<DemoBar>().Single();
        await Eventually.TrueAsync(() => bar.Controller is not null, TimeSpan.FromSeconds(15), "demo seeded after start");
        var demo = bar.Controller!;

        // Two venues pour side by side: Taproom Mitte's four taps on one controller, Taproom Hafen's two on another.
        Assert.Equal(["Taproom Mitte", "Taproom Hafen"], bar.Controllers.Select(c => c.VenueName));
        Assert.Equal([4, 2], bar.Controllers.Select(c => c.TapIds.Count));
        var hafen = bar.Controllers[1];
        foreach (var venue in bar.Controllers)
            await Eventually.TrueAsync(() => server.DbAsync(db => db.PourSessions.AnyAsync(p => p.SyncStatus == SyncStatus.Synced && p.VolumeMl > 0 && p.ControllerId == venue.ControllerId)),
                TimeSpan.FromSeconds(45), $"a simulated guest's pour synced at {venue.VenueName}");
        var synced = await server.DbAsync(db => db.PourSessions.AsNoTracking().Where(p => p.SyncStatus == SyncStatus.Synced && p.VolumeMl > 0).ToListAsync());
        Assert.All(synced, p => Assert.Contains(p.TapId, bar.Controllers.Single(c => c.ControllerId == p.ControllerId).TapIds));
        // Each pour belongs to a visit of its own venue, and Hafen's Helles is charged at Hafen's price.
        var visitVenues = await server.DbAsync(db => db.Visits.AsNoTracking().ToDictionaryAsync(v => v.Id, v => v.LocationId));
        Assert.All(synced, p => Assert.Equal(bar.Controllers.Single(c => c.ControllerId == p.ControllerId).LocationId, visitVenues[p.VisitId]));
        var hafenHelles = await server.DbAsync(db => db.Taps.Where(t => t.LocationId == hafen.LocationId && t.Keg!.BeerType!.Name == "Helles").Select(t => t.Id).SingleAsync());
        Assert.All(synced.Where(p => p.TapId == hafenHelles), p => Assert.Equal(DemoSeeder.HafenHellesPricePerLiter, p.PricePerLiter));
        Assert.All(synced.Where(p => p.ControllerId == demo.ControllerId && p.TapId == demo.TapIds[0]), p => Assert.Equal(9.00m, p.PricePerLiter));
        var charged = await server.DbAsync(db => db.Ledger.AsNoTracking().Where(l => l.Kind == LedgerKind.PourCharge).ToListAsync());
        Assert.Contains(charged, l => synced.Any(p => p.Id == l.PourSessionId && l.Amount == -p.ChargedAmount && l.Amount < 0));
        Assert.True(await server.DbAsync(db => db.Controllers.Where(c => c.Id == demo.ControllerId).Select(c => c.IsOnline).SingleAsync()));
        Assert.Equal(0, await server.DbAsync(db => db.AuditEvents.CountAsync(a => a.Action == AuditActions.PourSyncRejected)));

        // The demo's simulated taps have guest screens too, with the seeded beer on them.
        Assert.NotEmpty(bar.ScreenAddresses);
        using var http = new HttpClient { BaseAddress = bar.ScreenAddresses[0] };
        var list = await http.GetStringAsync("/");
        Assert.Contains("/taps/1", list);
        Assert.Contains("text/html", (await http.GetAsync("/taps/1")).Content.Headers.ContentType!.ToString());
        await Eventually.TrueAsync(async () => (await http.GetStringAsync("/taps/1/state")).Contains("\"beerName\":\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the first demo tap's screen names its beer");
    }
}
