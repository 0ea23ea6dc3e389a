using System.Net;
using TapRoom.Contracts;
using TapRoom.Server.Features.Kegs;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Kegs;

public sealed class KegConcurrencyTests
{
    [Fact]
    public async Task Parallel_connections_and_checks_race_to_exactly_one_outcome()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        var beer = await KegKit.CreateBeerAsync(manager, "Dunkel");

        // Taps created in parallel without numbers get distinct numbers.
        var taps = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => KegKit.CreateTapAsync(manager, $"Tap {i}")));
        Assert.Equal([1, 2, 3, 4, 5, 6], taps.Select(t => t.Number).Order());

        // One keg, six taps at once: it ends up on exactly one.
        var keg = await KegKit.ReceiveAsync(manager, beer.Id, 10_000);
        var responses = await Task.WhenAll(taps.Select(t => manager.PostAsync($"/api/taps/{t.Id}/connect-keg", new { kegId = keg.Id })));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            await HttpAssert.ProblemAsync(refused, HttpStatusCode.Conflict, "keg_not_in_warehouse");
        var holder = taps[Array.FindIndex(responses, r => r.StatusCode == HttpStatusCode.OK)];

        // Several kegs for one empty tap at once: one is connected, the others stay in the warehouse.
        var spare = taps.First(t => t.Id != holder.Id);
        var kegs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => KegKit.ReceiveAsync(manager, beer.Id, 10_000)));
        var onSpare = await Task.WhenAll(kegs.Select(k => manager.PostAsync($"/api/taps/{spare.Id}/connect-keg", new { kegId = k.Id })));
        Assert.Single(onSpare, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var refused in onSpare.Where(r => r.StatusCode != HttpStatusCode.OK))
            await HttpAssert.ProblemAsync(refused, HttpStatusCode.Conflict, "tap_has_keg");
        Assert.Equal(3, (await HttpAssert.OkAsync<List<KegDto>>(await manager.GetAsync("/api/kegs?status=warehouse"))).Count);

        // The event-driven check and sweeps running together still alert once.
        await host.SetRemainingAsync(keg.Id, 300);
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => host.SendAsync(new CheckKegThresholds.Command(i % 2 == 0 ? keg.Id : null)))));
        var alert = Assert.Single(await host.KegAlertsAsync(keg.Id));
        Assert.Equal((AlertSeverity.Critical, 1), (alert.Severity, alert.OccurrenceCount));
    }
}
