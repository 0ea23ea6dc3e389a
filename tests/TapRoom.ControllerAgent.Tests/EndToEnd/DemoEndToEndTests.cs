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

        await Eventually.TrueAsync(() => server.DbAsync(db => db.PourSessions.AnyAsync(p => p.SyncStatus == SyncStatus.Synced && p.VolumeMl > 0)),
            TimeSpan.FromSeconds(30), "a simulated guest's pour synced");
        var synced = await server.DbAsync(db => db.PourSessions.AsNoTracking().Where(p => p.SyncStatus == SyncStatus.Synced && p.VolumeMl > 0).ToListAsync());
        Assert.All(synced, p => Assert.Equal(demo.ControllerId, p.ControllerId));
        Assert.All(synced, p => Assert.Contains(p.TapId, demo.TapIds));
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
