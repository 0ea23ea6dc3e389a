using System.Net;
using System.Net.Http.Json;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Features.Taps;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Kegs;

public sealed class KegLifecycleTests
{
    public sealed class ChangeRecorder
    {
        public List<string> Seen { get; } = [];
    }

    public sealed class RecordChanges(ChangeRecorder recorder) : INotificationHandler<TapChangedNotification>, INotificationHandler<KegChangedNotification>
    {
        public Task Handle(TapChangedNotification notification, CancellationToken cancellationToken) => Add($"tap:{notification.TapId}");

        public Task Handle(KegChangedNotification notification, CancellationToken cancellationToken) => Add($"keg:{notification.KegId}");

        private Task Add(string what)
        {
            lock (recorder.Seen) recorder.Seen.Add(what);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task An_empty_keg_puts_its_tap_out_of_keg_and_connecting_the_replacement_brings_it_back_to_active()
    {
        var changes = new ChangeRecorder();
        await using var host = await TapRoomHost.StartAsync(configure: b =>
        {
            b.Services.AddSingleton(changes);
            b.Services.AddScoped<INotificationHandler<TapChangedNotification>, RecordChanges>();
            b.Services.AddScoped<INotificationHandler<KegChangedNotification>, RecordChanges>();
        });
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var beer = await KegKit.CreateBeerAsync(manager, "Helles");
        var tap = await KegKit.CreateTapAsync(manager, "Bar 1");
        Assert.Equal(TapStatus.OutOfKeg, tap.Status);
        var first = await KegKit.ReceiveAsync(staff, beer.Id, 20_000, host.Time.GetUtcNow().UtcDateTime.AddDays(-2));
        var second = await KegKit.ReceiveAsync(staff, beer.Id, 30_000, host.Time.GetUtcNow().UtcDateTime.AddDays(-1));

        var connected = await KegKit.ConnectAsync(staff, tap.Id, first.Id);
        Assert.Equal((TapStatus.Active, first.Id, "Helles", 20_000), (connected.Tap.Status, connected.Tap.KegId, connected.Tap.BeerName, connected.Tap.KegRemainingMl));
        Assert.Equal(KegStatus.Connected, connected.Keg.Status);
        Assert.Equal(host.Time.GetUtcNow().UtcDateTime, connected.Keg.ConnectedAt);
        // A new tap has no beer yet, so there was nothing to suggest.
        Assert.Equal((null, false), (connected.SuggestedKegId, connected.SuggestionFollowed));

        // A keg with beer left cannot be swapped out from under the tap.
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/taps/{tap.Id}/connect-keg", new { kegId = second.Id }), HttpStatusCode.Conflict, "tap_has_keg");
        Assert.Equal(KegStatus.Warehouse, (await host.KegAsync(second.Id)).Status);
        Assert.Equal(first.Id, (await host.TapAsync(tap.Id)).KegId);

        host.Time.Advance(TimeSpan.FromHours(5));
        var emptied = await HttpAssert.OkAsync<KegDto>(await staff.PostAsync($"/api/kegs/{first.Id}/empty", new { }));
        Assert.Equal((KegStatus.Empty, host.Time.GetUtcNow().UtcDateTime), (emptied.Status, emptied.DisconnectedAt));
        var outOfKeg = await HttpAssert.OkAsync<TapDto>(await staff.GetAsync($"/api/taps/{tap.Id}"));
        Assert.Equal((TapStatus.OutOfKeg, (Guid?)null), (outOfKeg.Status, outOfKeg.KegId));
        Assert.Equal(beer.Id, (await host.TapAsync(tap.Id)).LastBeerTypeId);
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/kegs/{first.Id}/empty", new { }), HttpStatusCode.Conflict, "keg_not_connected");

        var replacement = await KegKit.ConnectAsync(staff, tap.Id, second.Id);
        Assert.Equal((TapStatus.Active, second.Id), (replacement.Tap.Status, replacement.Tap.KegId));
        Assert.True(replacement.SuggestionFollowed);
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/taps/{tap.Id}/connect-keg", new { kegId = first.Id }), HttpStatusCode.Conflict, "tap_has_keg");

        var returned = await HttpAssert.OkAsync<KegDto>(await staff.PostAsync($"/api/kegs/{first.Id}/return", new { }));
        Assert.Equal(KegStatus.Returned, returned.Status);
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/kegs/{first.Id}/return", new { }), HttpStatusCode.Conflict, "keg_not_empty");

        // Every change was announced for the dashboards once it was committed.
        Assert.Equal(
            [$"tap:{tap.Id}", $"keg:{first.Id}", $"keg:{second.Id}", $"keg:{first.Id}", $"tap:{tap.Id}", $"keg:{first.Id}", $"tap:{tap.Id}",
                $"keg:{second.Id}", $"tap:{tap.Id}", $"keg:{first.Id}"],
            changes.Seen);

        var kegs = await HttpAssert.OkAsync<List<KegDto>>(await staff.GetAsync("/api/kegs?status=connected"));
        Assert.Equal([second.Id], kegs.Select(k => k.Id));
        Assert.Equal(2, (await host.AuditAsync("keg.connected")).Count);
        Assert.Equal(first.Id, Assert.Single(await host.AuditAsync("keg.emptied")).SubjectId);
        Assert.Equal(first.Id, Assert.Single(await host.AuditAsync("keg.returned")).SubjectId);
        var statusChanges = (await host.AuditAsync("tap.status_changed")).Select(e => e.Details().GetProperty("to").GetString()).ToList();
        Assert.Equal(["active", "out_of_keg", "active"], statusChanges);
    }

    [Fact]
    public async Task A_keg_drained_to_zero_puts_the_tap_out_of_keg_and_is_replaced_directly_but_nothing_moves_while_a_pour_is_in_progress()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var staff = await host.SignInAsAsync(StaffRole.Manager);
        var beer = await KegKit.CreateBeerAsync(staff, "Weizen");
        var tap = await KegKit.CreateTapAsync(staff, "Bar 2");
        var keg = await KegKit.ReceiveAsync(staff, beer.Id, 20_000);
        var spare = await KegKit.ReceiveAsync(staff, beer.Id, 20_000);
        await KegKit.ConnectAsync(staff, tap.Id, keg.Id);

        // The last pour drains the keg; the pour lifecycle raises KegChangedNotification after its commit.
        await host.SetRemainingAsync(keg.Id, 0);
        await host.PublishAsync(new KegChangedNotification(keg.Id));
        Assert.Equal(TapStatus.OutOfKeg, (await host.TapAsync(tap.Id)).Status);

        var visitId = await host.LockTapWithVisitAsync(tap.Id);
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/taps/{tap.Id}/connect-keg", new { kegId = spare.Id }), HttpStatusCode.Conflict, "pour_in_progress");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/kegs/{keg.Id}/empty", new { }), HttpStatusCode.Conflict, "pour_in_progress");
        Assert.Equal(KegStatus.Warehouse, (await host.KegAsync(spare.Id)).Status);
        Assert.Equal(KegStatus.Connected, (await host.KegAsync(keg.Id)).Status);
        Assert.Equal(2, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action.EndsWith(".rejected") && e.DetailsJson.Contains("pour_in_progress"))));

        await host.ReleaseLockAsync(visitId);
        var replaced = await KegKit.ConnectAsync(staff, tap.Id, spare.Id);
        Assert.Equal((TapStatus.Active, spare.Id), (replaced.Tap.Status, replaced.Tap.KegId));
        var old = await host.KegAsync(keg.Id);
        Assert.Equal(KegStatus.Empty, old.Status);
        Assert.NotNull(old.DisconnectedAt);
    }

    [Fact]
    public async Task A_flush_takes_its_volume_off_the_keg_as_waste_and_charges_nothing()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var beer = await KegKit.CreateBeerAsync(manager, "Kölsch");
        var tap = await KegKit.CreateTapAsync(manager, "Bar 3");
        var keg = await KegKit.ReceiveAsync(staff, beer.Id, 20_000);
        await KegKit.ConnectAsync(staff, tap.Id, keg.Id);

        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/taps/{tap.Id}/flush", new { volumeMl = 300 }), HttpStatusCode.Conflict, "tap_not_cleaning");
        await host.SetTapStatusAsync(tap.Id, TapStatus.Cleaning);
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/taps/{tap.Id}/flush", new { volumeMl = -5 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/taps/{tap.Id}/flush", new { volumeMl = 0 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/taps/{Guid.NewGuid()}/flush", new { volumeMl = 300 }), HttpStatusCode.NotFound, "not_found");
        using var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/api/taps/{tap.Id}/flush", new { volumeMl = 300 })).StatusCode);
        Assert.Equal(20_000, (await host.KegAsync(keg.Id)).RemainingVolumeMl);

        var flushed = await HttpAssert.OkAsync<FlushTap.Result>(await staff.PostAsync($"/api/taps/{tap.Id}/flush", new { volumeMl = 300 }));
        Assert.Equal((300, 19_700, keg.Id), (flushed.WasteMl, flushed.KegRemainingMl, flushed.KegId));
        Assert.Equal(19_700, (await host.KegAsync(keg.Id)).RemainingVolumeMl);
        Assert.Equal(TapStatus.Cleaning, (await host.TapAsync(tap.Id)).Status);
        Assert.False(await host.DbAsync(db => db.Ledger.AnyAsync()));
        Assert.False(await host.DbAsync(db => db.PourSessions.AnyAsync()));
        Assert.False(await host.DbAsync(db => db.PosOutbox.AnyAsync()));
        var audit = Assert.Single(await host.AuditAsync("tap.cleaned"));
        Assert.Equal((tap.Id, 300, keg.Id), (audit.SubjectId!.Value, audit.Details().GetProperty("wasteMl").GetInt32(), audit.Details().GetProperty("kegId").GetGuid()));

        // Never more than the keg holds: what is recorded is what was taken.
        await host.SetRemainingAsync(keg.Id, 100);
        var last = await HttpAssert.OkAsync<FlushTap.Result>(await staff.PostAsync($"/api/taps/{tap.Id}/flush", new { volumeMl = 300 }));
        Assert.Equal((300, 100, 0), (last.RequestedMl, last.WasteMl, last.KegRemainingMl));
    }

    public sealed class ConfigChangedRecorder
    {
        public List<Guid> Controllers { get; } = [];
    }

    public sealed class RecordConfigChanged(ConfigChangedRecorder recorder) : INotificationHandler<ControllerConfigChangedNotification>
    {
        public Task Handle(ControllerConfigChangedNotification notification, CancellationToken cancellationToken)
        {
            lock (recorder.Controllers) recorder.Controllers.Add(notification.ControllerId);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Calibration_sets_the_pulses_per_litre_from_a_measured_pour_audited_and_announced_to_the_controller()
    {
        var recorder = new ConfigChangedRecorder();
        await using var host = await TapRoomHost.StartAsync(configure: b =>
        {
            b.Services.AddSingleton(recorder);
            b.Services.AddScoped<INotificationHandler<ControllerConfigChangedNotification>, RecordConfigChanged>();
        });
        using var admin = await host.SignInAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var tap = await KegKit.CreateTapAsync(manager, "Bar 4");
        var otherTap = await KegKit.CreateTapAsync(manager, "Bar 5");
        var controller = await HttpAssert.OkAsync<RegisterController.Result>(await admin.PostAsJsonAsync("/api/controllers", new { name = "pi-4", tapIds = new[] { tap.Id } }));
        var url = $"/api/controllers/{controller.Id}/calibrate";

        await HttpAssert.ProblemAsync(await staff.PostAsync(url, new { tapId = tap.Id, measuredVolumeMl = 500, pulses = 2871 }), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await manager.PostAsync(url, new { tapId = tap.Id, measuredVolumeMl = 0, pulses = 2871 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsync(url, new { tapId = tap.Id, measuredVolumeMl = 500, pulses = -1 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsync(url, new { tapId = tap.Id, measuredVolumeMl = 500, pulses = 10 }), HttpStatusCode.BadRequest, "calibration_out_of_range");
        await HttpAssert.ProblemAsync(await manager.PostAsync(url, new { tapId = otherTap.Id, measuredVolumeMl = 500, pulses = 2871 }), HttpStatusCode.Conflict, "tap_not_on_controller");
        await HttpAssert.ProblemAsync(await manager.PostAsync($"/api/controllers/{Guid.NewGuid()}/calibrate", new { measuredVolumeMl = 500, pulses = 2871 }), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(5600, await host.DbAsync(db => db.Controllers.Select(c => c.PulsesPerLiter).SingleAsync()));
        Assert.Empty(recorder.Controllers);

        // 2871 pulses for 500 ml: 5742 pulses per litre.
        var result = await HttpAssert.OkAsync<CalibrateController.Result>(await manager.PostAsync(url, new { tapId = tap.Id, measuredVolumeMl = 500, pulses = 2871 }));
        Assert.Equal((5600, 5742), (result.PreviousPulsesPerLiter, result.PulsesPerLiter));
        Assert.Equal(5742, await host.DbAsync(db => db.Controllers.Select(c => c.PulsesPerLiter).SingleAsync()));
        var audit = Assert.Single(await host.AuditAsync("controller.calibrated"));
        Assert.Equal((controller.Id, 5600, 5742, 2871), (audit.SubjectId!.Value, audit.Details().GetProperty("from").GetInt32(),
            audit.Details().GetProperty("to").GetInt32(), audit.Details().GetProperty("pulses").GetInt32()));
        Assert.StartsWith("Test Manager", audit.ActorName);
        Assert.Equal([controller.Id], recorder.Controllers);

        // Rounding is half away from zero: 1001 pulses for 400 ml is 2502.5 pulses per litre.
        var rounded = await HttpAssert.OkAsync<CalibrateController.Result>(await manager.PostAsync(url, new { measuredVolumeMl = 400, pulses = 1001 }));
        Assert.Equal(2503, rounded.PulsesPerLiter);
    }

    [Fact]
    public async Task Beer_types_taps_and_kegs_refuse_bad_input_and_wrong_roles_and_change_nothing()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        using var anonymous = host.CreateClient();

        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/beer-types", new { name = "Pils", abv = 5, pricePerLiter = 8 }), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/beer-types", new { name = "Pils", abv = 71, pricePerLiter = 8 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/beer-types", new { name = "Pils", abv = 5, pricePerLiter = 0 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/beer-types", new { name = "Pils", abv = 5, pricePerLiter = 8.123 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/beer-types", new { name = "Pils", abv = 5, pricePerLiter = 1000.01 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/beer-types", new { name = "", abv = 5, pricePerLiter = 8 }), HttpStatusCode.BadRequest, "validation_failed");
        Assert.False(await host.DbAsync(db => db.BeerTypes.AnyAsync()));

        var pils = await KegKit.CreateBeerAsync(manager, "Pils", 8.40m);
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/beer-types", new { name = "Pils", abv = 5, pricePerLiter = 9 }), HttpStatusCode.Conflict, "beer_type_name_taken");
        var repriced = await HttpAssert.OkAsync<BeerTypeDto>(await manager.PutAsJsonAsync($"/api/beer-types/{pils.Id}", new { pricePerLiter = 9.20m }));
        Assert.Equal(9.20m, repriced.PricePerLiter);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PutAsJsonAsync($"/api/beer-types/{pils.Id}", new { pricePerLiter = 1m })).StatusCode);
        await HttpAssert.ProblemAsync(await manager.PutAsJsonAsync($"/api/beer-types/{pils.Id}", new { pricePerLiter = -1m }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PutAsJsonAsync($"/api/beer-types/{Guid.NewGuid()}", new { pricePerLiter = 5m }), HttpStatusCode.NotFound, "not_found");
        var priceAudit = Assert.Single(await host.AuditAsync("beer_type.price_changed"));
        Assert.Equal((8.40m, 9.20m), (priceAudit.Details().GetProperty("from").GetDecimal(), priceAudit.Details().GetProperty("to").GetDecimal()));
        var beers = await HttpAssert.OkAsync<List<BeerTypeDto>>(await staff.GetAsync("/api/beer-types"));
        Assert.Equal(9.20m, Assert.Single(beers).PricePerLiter);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/taps")).StatusCode);
        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/taps", new { name = "T" }), HttpStatusCode.Forbidden, "forbidden");
        var t1 = await KegKit.CreateTapAsync(manager, "One");
        var t5 = await KegKit.CreateTapAsync(manager, "Five", 5);
        var t6 = await KegKit.CreateTapAsync(manager, "Six");
        Assert.Equal((1, 5, 6), (t1.Number, t5.Number, t6.Number));
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/taps", new { name = "Dup", number = 5 }), HttpStatusCode.Conflict, "tap_number_taken");
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/taps", new { name = "Neg", number = -1 }), HttpStatusCode.BadRequest, "validation_failed");
        var taps = await HttpAssert.OkAsync<List<TapDto>>(await staff.GetAsync("/api/taps"));
        Assert.Equal([1, 5, 6], taps.Select(t => t.Number));
        await HttpAssert.ProblemAsync(await staff.GetAsync($"/api/taps/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(3, (await host.AuditAsync("tap.created")).Count);

        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/kegs", new { beerTypeId = Guid.NewGuid(), nominalVolumeMl = 20_000 }), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/kegs", new { beerTypeId = pils.Id, nominalVolumeMl = -20_000 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/kegs", new { beerTypeId = pils.Id, nominalVolumeMl = 20_000, receivedAt = host.Time.GetUtcNow().UtcDateTime.AddDays(1) }),
            HttpStatusCode.BadRequest, "received_at_in_future");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/kegs", new { beerTypeId = pils.Id, nominalVolumeMl = 20_000 })).StatusCode);
        await HttpAssert.ProblemAsync(await staff.GetAsync("/api/kegs?status=full"), HttpStatusCode.BadRequest, "validation_failed");
        Assert.False(await host.DbAsync(db => db.Kegs.AnyAsync()));

        var keg = await KegKit.ReceiveAsync(staff, pils.Id);
        Assert.Equal((KegStatus.Warehouse, 30_000, host.Time.GetUtcNow().UtcDateTime), (keg.Status, keg.RemainingVolumeMl, keg.ReceivedAt));
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/taps/{t1.Id}/connect-keg", new { kegId = Guid.NewGuid() }), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/taps/{Guid.NewGuid()}/connect-keg", new { kegId = keg.Id }), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/kegs/{keg.Id}/empty", new { }), HttpStatusCode.Conflict, "keg_not_connected");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/kegs/{keg.Id}/return", new { }), HttpStatusCode.Conflict, "keg_not_empty");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/kegs/{Guid.NewGuid()}/empty", new { }), HttpStatusCode.NotFound, "not_found");
        await KegKit.ConnectAsync(staff, t1.Id, keg.Id);
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/taps/{t5.Id}/connect-keg", new { kegId = keg.Id }), HttpStatusCode.Conflict, "keg_not_in_warehouse");
        Assert.Null((await host.TapAsync(t5.Id)).KegId);
    }
}
