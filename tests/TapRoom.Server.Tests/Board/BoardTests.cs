using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features;
using TapRoom.Server.Tests.Dashboard;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Board;

public sealed class BoardTests
{
    private static Task<string> SlugAsync(TapRoomHost host) => host.DbAsync(db => db.Locations.Select(l => l.Slug).FirstAsync());

    [Fact]
    public async Task The_public_board_shows_every_tap_with_prices_level_and_next_keg_and_nothing_private()
    {
        await using var host = await TapRoomHost.StartAsync();
        var slug = await SlugAsync(host);
        using var admin = await host.SignInAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        var managerLogin = (await HttpAssert.OkAsync<CurrentUserDto>(await manager.GetAsync("/api/auth/me"))).Login;

        // Tap 1 pours with a guest mid-pour; tap 2 runs low; tap 3 is out of keg; tap 4 is being cleaned.
        var full = await DashboardVenue.TapWithKegAsync(host, 1, "Zwickel", remainingMl: 24_000, withPour: true, guestName: "Xaveria Quibbleton", balance: 987.65m, pourVolumeMl: 300);
        var low = await DashboardVenue.TapWithKegAsync(host, 2, "Porter", remainingMl: 3_000);
        var empty = await DashboardVenue.TapWithKegAsync(host, 3, "Weizen", remainingMl: 0);
        var cleaning = await DashboardVenue.TapWithKegAsync(host, 4, "Helles", remainingMl: 20_000);
        var registered = await HttpAssert.OkAsync<Features.Controllers.RegisterController.Result>(
            await admin.PostAsJsonAsync("/api/controllers", new { name = "pi-secret-bar", tapIds = new[] { low.TapId } }));
        var (controllerIds, cardUids, visitIds, guestIds) = await host.DbAsync(async db =>
        {
            (await db.Taps.SingleAsync(t => t.Id == empty.TapId)).Status = TapStatus.OutOfKeg;
            (await db.Taps.SingleAsync(t => t.Id == cleaning.TapId)).Status = TapStatus.Cleaning;
            var porter = await db.BeerTypes.SingleAsync(b => b.Name == "Porter");
            porter.Style = "Robust porter";
            porter.PricePerLiter = 9.90m;
            db.Kegs.Add(new Domain.Keg { Id = Guid.NewGuid(), LocationId = await db.Locations.Select(l => l.Id).FirstAsync(), BeerTypeId = porter.Id, NominalVolumeMl = 30_000, RemainingVolumeMl = 30_000, Status = KegStatus.Warehouse, ReceivedAt = DateTime.UtcNow, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            return (await db.Controllers.Select(c => c.Id.ToString()).ToListAsync(), await db.Cards.Select(c => c.Uid).ToListAsync(),
                await db.Visits.Select(v => v.Id.ToString()).ToListAsync(), await db.Guests.Select(g => g.Id.ToString()).ToListAsync());
        });

        using var anonymous = host.CreateRawClient();
        var response = await anonymous.GetAsync($"/api/board/{slug}");
        var raw = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var board = System.Text.Json.JsonSerializer.Deserialize<BoardDto>(raw, TapRoomHost.Json)!;
        Assert.Equal(("metric", "EUR"), (board.Units, board.Currency));
        Assert.Equal([1, 2, 3, 4], board.Taps.Select(t => t.Number));

        var pouring = board.Taps[0];
        // 24 000 ml in the keg less the 300 ml in the glass right now, of 30 000.
        Assert.Equal((BoardTapStatus.Pouring, 79, "Zwickel"), (pouring.Status, pouring.KegPercent!.Value, pouring.Beer));
        Assert.Equal([(300, 2.40m), (500, 4.00m)], pouring.Prices.Select(p => (p.ServingMl, p.Price)));
        Assert.Null(pouring.NextUp);

        var running = board.Taps[1];
        Assert.Equal((BoardTapStatus.RunningLow, 10, "Robust porter", 5m), (running.Status, running.KegPercent!.Value, running.Style, running.Abv!.Value));
        Assert.Equal([(300, 2.97m), (500, 4.95m)], running.Prices.Select(p => (p.ServingMl, p.Price)));
        Assert.Equal("Porter", running.NextUp!.Beer);
        Assert.Equal((BoardTapStatus.Out, 0), (board.Taps[2].Status, board.Taps[2].KegPercent!.Value));
        Assert.Empty(board.Taps[2].Prices);
        Assert.Equal(BoardTapStatus.Closed, board.Taps[3].Status);
        Assert.Contains("\"status\":\"running_low\"", raw);

        // Nothing private: no guest, balance, staff login, key, controller, card, visit.
        string[] secrets = ["Xaveria", "Quibbleton", "987.65", "987,65", "admin", managerLogin, registered.ApiKey, registered.ApiKey[..8], "pi-secret-bar",
            .. controllerIds, .. cardUids, .. visitIds, .. guestIds, full.PourSessionId!.Value.ToString(), "controller", "guest", "balance", "visit"];
        foreach (var secret in secrets) Assert.DoesNotContain(secret, raw, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_unknown_slug_or_a_board_turned_off_is_a_404_and_only_a_manager_turns_it_off()
    {
        await using var host = await TapRoomHost.StartAsync();
        var slug = await SlugAsync(host);
        var locationId = await host.DbAsync(db => db.Locations.Select(l => l.Id).FirstAsync());
        using var anonymous = host.CreateRawClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/board/{slug}")).StatusCode);
        await HttpAssert.ProblemAsync(await anonymous.GetAsync("/api/board/no-such-venue"), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/board/no-such-venue")).StatusCode);

        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PutAsJsonAsync($"/api/locations/{locationId}/board", new { boardEnabled = false })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PutAsJsonAsync($"/api/locations/{locationId}/board", new { boardEnabled = false })).StatusCode);
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        await HttpAssert.ProblemAsync(await manager.PutAsJsonAsync($"/api/locations/{locationId}/board", new { boardEnabled = true, servingSizesMl = new[] { 10 } }),
            HttpStatusCode.BadRequest, "validation_failed");
        var off = await HttpAssert.OkAsync<LocationDto>(await manager.PutAsJsonAsync($"/api/locations/{locationId}/board", new { boardEnabled = false, servingSizesMl = new[] { 568, 250 } }));
        Assert.Equal((false, "250,568"), (off.BoardEnabled, string.Join(",", off.ServingSizesMl)));
        var shown = await HttpAssert.OkAsync<LocationDto>(await staff.GetAsync($"/api/locations/{locationId}"));
        Assert.Equal((false, "250,568"), (shown.BoardEnabled, string.Join(",", shown.ServingSizesMl)));

        await HttpAssert.ProblemAsync(await anonymous.GetAsync($"/api/board/{slug}"), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/board/{slug}")).StatusCode);
        await using var refused = new HubConnectionBuilder().WithUrl(new Uri(host.BaseAddress, $"/hubs/board?slug={slug}")).Build();
        await refused.StartAsync();
        var closed = new TaskCompletionSource<Exception?>();
        refused.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await HttpAssert.OkAsync<LocationDto>(await manager.PutAsJsonAsync($"/api/locations/{locationId}/board", new { boardEnabled = true }));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/board/{slug}")).StatusCode);
    }

    [Fact]
    public async Task The_board_hub_pushes_the_level_while_a_pour_runs_at_most_once_a_second()
    {
        await using var host = await TapRoomHost.StartAsync();
        var slug = await SlugAsync(host);
        var arranged = await DashboardVenue.TapWithKegAsync(host, 1, "Märzen", remainingMl: 15_000, withPour: true);
        var pushes = new List<(DateTime At, BoardDto Board)>();
        await using var board = new HubConnectionBuilder().WithUrl(new Uri(host.BaseAddress, $"/hubs/board?slug={slug}"))
            .AddJsonProtocol(o => TapRoomJson.Configure(o.PayloadSerializerOptions)).Build();
        board.On<BoardDto>(nameof(IBoardClient.BoardUpdated), b => { lock (pushes) pushes.Add((DateTime.UtcNow, b)); });
        await board.StartAsync();

        // Progress every 100 ms or so: the board hears the latest level, never more than once a second.
        var started = DateTime.UtcNow;
        for (var ml = 100; ml <= 2500; ml += 100)
        {
            var volume = ml;
            await host.DbAsync(async db => { (await db.PourSessions.SingleAsync()).LastProgressMl = volume; await db.SaveChangesAsync(); });
            await host.PublishAsync(new PourProgressNotification(arranged.PourSessionId!.Value, arranged.TapId, arranged.VisitId, volume, host.Time.GetUtcNow().UtcDateTime));
            await Task.Delay(100);
        }
        var took = DateTime.UtcNow - started;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && !pushes.Any(p => p.Board.Taps[0].KegPercent == 41)) await Task.Delay(50);

        lock (pushes)
        {
            Assert.True(pushes.Count >= 2 && pushes.Count <= took.TotalSeconds + 2, $"{pushes.Count} pushes in {took.TotalSeconds:0.0} s of progress");
            Assert.Equal(41, pushes[^1].Board.Taps[0].KegPercent); // (15 000 − 2 500) / 30 000
            for (var i = 1; i < pushes.Count; i++) Assert.True(pushes[i].At - pushes[i - 1].At > TimeSpan.FromMilliseconds(900), "two pushes within a second");
        }
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => board.InvokeAsync("OnConnectedAsync"));
    }
}
