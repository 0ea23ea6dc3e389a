using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features.Temperature;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Temperature;

public sealed class TemperatureAlertTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_zone_out_of_range_warns_after_its_grace_time_turns_critical_beyond_3_degrees_and_resolves_after_5_minutes_back_in_range()
    {
        await using var host = await TapRoomHost.StartAsync();
        await using var kit = await TemperatureKit.StartAsync(host);
        var zone = await kit.ZoneAsync("Cooler", 2, 5, graceMinutes: 10);

        await kit.ReadAsync("cooler", 3.5);
        await kit.ReadAsync("cooler", 6.0, Minute);
        await kit.ReadAsync("cooler", 6.2, 10 * Minute - TimeSpan.FromSeconds(1));
        Assert.Empty(await kit.AlertsAsync("temperature_out_of_range"));

        await kit.ReadAsync("cooler", 6.3, TimeSpan.FromSeconds(1));
        var warning = Assert.Single(await kit.AlertsAsync("temperature_out_of_range"));
        Assert.Equal((AlertSeverity.Warning, AlertStatus.Open, "temperature_zone", zone.Id, "Cooler"),
            (warning.Severity, warning.Status, warning.SubjectType, warning.SubjectId!.Value, warning.SubjectName));
        Assert.Contains("6.3 °C", warning.Message);
        Assert.Contains("above its range 2–5 °C", warning.Message);

        // More than 3 °C out: the same alert becomes critical; staying there repeats nothing.
        await kit.ReadAsync("cooler", 8.1, Minute);
        await kit.ReadAsync("cooler", 8.4, Minute);
        var critical = Assert.Single(await kit.AlertsAsync("temperature_out_of_range"));
        Assert.Equal((warning.Id, AlertSeverity.Critical, 2), (critical.Id, critical.Severity, critical.OccurrenceCount));
        Assert.Contains("8.1 °C", critical.Message);

        // Back in range: resolved by itself only after 5 minutes there.
        await kit.ReadAsync("cooler", 4.0, Minute);
        await kit.ReadAsync("cooler", 3.9, 4 * Minute);
        Assert.Equal(AlertStatus.Open, Assert.Single(await kit.AlertsAsync("temperature_out_of_range")).Status);
        await kit.ReadAsync("cooler", 3.8, Minute);
        var resolved = Assert.Single(await kit.AlertsAsync("temperature_out_of_range"));
        Assert.Equal((AlertStatus.Resolved, "system"), (resolved.Status, resolved.ResolvedBy));
        Assert.Contains("back in range", resolved.ResolveComment);

        var now = await HttpAssert.OkAsync<List<TemperatureNowDto>>(await kit.Manager.GetAsync($"/api/locations/{kit.LocationId}/temperature-now"));
        var cooler = Assert.Single(now);
        Assert.Equal((zone.Id, 3.8, true, 2.0, 5.0), (cooler.ZoneId, cooler.Celsius!.Value, cooler.InRange!.Value, cooler.MinC, cooler.MaxC));
    }

    [Fact]
    public async Task A_reading_far_out_of_range_is_critical_once_the_grace_time_is_over_and_a_short_spell_raises_nothing()
    {
        await using var host = await TapRoomHost.StartAsync();
        await using var kit = await TemperatureKit.StartAsync(host);
        await kit.ZoneAsync("Tower", 2, 6, graceMinutes: 5);

        // A door left open for four minutes: out, then back well inside, before the grace time.
        await kit.ReadAsync("Tower", 12.0);
        await kit.ReadAsync("Tower", 11.0, 4 * Minute);
        await kit.ReadAsync("Tower", 4.0, Minute / 2);
        await kit.ReadAsync("Tower", 12.0, 2 * Minute);
        await kit.ReadAsync("Tower", 12.0, 4 * Minute);
        Assert.Empty(await kit.AlertsAsync("temperature_out_of_range"));

        await kit.ReadAsync("Tower", 9.5, Minute);
        var alert = Assert.Single(await kit.AlertsAsync("temperature_out_of_range"));
        Assert.Equal((AlertSeverity.Critical, 1), (alert.Severity, alert.OccurrenceCount));
    }

    [Fact]
    public async Task A_reading_wavering_at_the_edge_raises_one_alert_and_does_not_flap()
    {
        await using var host = await TapRoomHost.StartAsync();
        await using var kit = await TemperatureKit.StartAsync(host);
        await kit.ZoneAsync("Cooler", 2, 5, graceMinutes: 1);

        for (var i = 0; i < 30; i++) await kit.ReadAsync("Cooler", i % 2 == 0 ? 5.2 : 4.8, Minute / 2);
        var alert = Assert.Single(await kit.AlertsAsync("temperature_out_of_range"));
        Assert.Equal((AlertStatus.Open, 1), (alert.Status, alert.OccurrenceCount));

        // Within 0.5 °C of the edge for a long time: not "back in range", so it stays open.
        for (var i = 0; i < 20; i++) await kit.ReadAsync("Cooler", 4.7, Minute);
        Assert.Equal(AlertStatus.Open, Assert.Single(await kit.AlertsAsync("temperature_out_of_range")).Status);

        for (var i = 0; i < 11; i++) await kit.ReadAsync("Cooler", 4.4, Minute / 2);
        Assert.Equal(AlertStatus.Resolved, Assert.Single(await kit.AlertsAsync("temperature_out_of_range")).Status);
        Assert.Equal(1, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "alert.raised" && e.DetailsJson.Contains("temperature_out_of_range"))));
        Assert.Equal(1, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "alert.auto_resolved")));
    }

    [Fact]
    public async Task A_sensor_silent_for_5_minutes_raises_sensor_silent_once_and_its_next_reading_resolves_it()
    {
        await using var host = await TapRoomHost.StartAsync();
        await using var kit = await TemperatureKit.StartAsync(host);
        await kit.ReadAsync("Cooler", 3.0, sensor: "28-00000000aaaa");
        await kit.ReadAsync("Cooler", 3.1, sensor: "28-00000000bbbb");

        host.Time.Advance(TimeSpan.FromMinutes(4));
        await kit.ReadAsync("Cooler", 3.2, sensor: "28-00000000bbbb");
        Assert.Empty((await host.SendAsync(new SweepSilentSensors.Command())).Silent);

        host.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var silent = Assert.Single((await host.SendAsync(new SweepSilentSensors.Command())).Silent);
        Assert.Empty((await host.SendAsync(new SweepSilentSensors.Command())).Silent);
        var alert = Assert.Single(await kit.AlertsAsync("sensor_silent"));
        Assert.Equal((AlertSeverity.Warning, "temperature_sensor", silent, "sensor 28-00000000aaaa", 1),
            (alert.Severity, alert.SubjectType, alert.SubjectId!.Value, alert.SubjectName, alert.OccurrenceCount));
        Assert.Contains("Cooler", alert.Message);
        Assert.Contains("pi-temp", alert.Message);

        await kit.ReadAsync("Cooler", 3.0, sensor: "28-00000000aaaa");
        Assert.Equal(AlertStatus.Resolved, Assert.Single(await kit.AlertsAsync("sensor_silent")).Status);
    }

    [Fact]
    public async Task Readings_that_are_not_a_number_out_of_the_sensors_range_or_its_power_on_value_are_refused_and_the_rest_kept()
    {
        await using var host = await TapRoomHost.StartAsync();
        await using var kit = await TemperatureKit.StartAsync(host);
        var now = kit.Now;

        // Over the hub, as an older agent that does not filter would send them (JSON has no NaN: a JavaScript client sends null).
        var result = await kit.Controller.TemperatureReadings(new TemperatureReadingsRequest(
        [
            new("28-1", "Cooler", -100, now), new("28-1", "Cooler", 200, now), new("28-1", "Cooler", 85.0, now),
            new("28-1", "Cooler", null, now), new("28-1", "Cooler", -40.5, now), new("28-1", "Cooler", 125.5, now),
            new("28-1", "Cooler", 3.25, now), new("28-1", "Cooler", 84.9, now.AddSeconds(1)),
        ]));
        Assert.Equal(new TemperatureReadingsResult(2, 6), result);

        // NaN and the infinities through the same command the hub sends.
        var direct = await host.SendAsync(new RecordTemperatureReadings.Command(kit.ControllerId, new TemperatureReadingsRequest(
            [new("28-1", "Cooler", double.NaN, now), new("28-1", "Cooler", double.PositiveInfinity, now), new("28-1", "Cooler", double.NegativeInfinity, now)])));
        Assert.Equal(new TemperatureReadingsResult(0, 3), direct);

        var kept = await host.DbAsync(db => db.TemperatureReadings.OrderBy(r => r.At).Select(r => r.Celsius).ToListAsync());
        Assert.Equal([3.25, 84.9], kept);

        // A malformed batch is a hub error and nothing of it is kept.
        await Assert.ThrowsAnyAsync<Exception>(() => kit.Controller.TemperatureReadings(new TemperatureReadingsRequest([new("", "Cooler", 3, now), new("28-1", "Cooler", 4, now)])));
        Assert.Equal(2, await host.DbAsync(db => db.TemperatureReadings.CountAsync()));
    }

    [Fact]
    public async Task Readings_are_kept_raw_for_a_day_then_one_a_minute_and_30_days_in_all_by_the_recurring_job()
    {
        await using var host = await TapRoomHost.StartAsync(TapRoomHost.TriggeredJobsOnly);
        await using var kit = await TemperatureKit.StartAsync(host);
        var zone = await kit.ZoneAsync("Cooler", 2, 5, 10);
        var now = kit.Now;
        await host.DbAsync(async db =>
        {
            void Add(DateTime at, double c) => db.TemperatureReadings.Add(new TemperatureReadingRow { ZoneId = zone.Id, SensorId = "28-1", At = at, Celsius = c });
            // Two days ago: four readings in one minute (3, 4, 5, 6 → 4.5), two in the next.
            var old = new DateTime(now.AddDays(-2).Ticks - now.AddDays(-2).Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
            Add(old.AddSeconds(1), 3); Add(old.AddSeconds(15), 4); Add(old.AddSeconds(30), 5); Add(old.AddSeconds(45), 6);
            Add(old.AddSeconds(70), 2); Add(old.AddSeconds(100), 3);
            // Within the last day: stays raw.
            Add(now.AddHours(-23), 3.1); Add(now.AddHours(-23).AddSeconds(30), 3.3);
            // Older than 30 days: gone.
            Add(now.AddDays(-31), 3.0);
            await db.SaveChangesAsync();
        });

        Assert.Equal("Succeeded", await host.RunJobAsync("temperature-downsample"));

        var rows = await host.DbAsync(db => db.TemperatureReadings.OrderBy(r => r.At).Select(r => new { r.At, r.Celsius, r.Averaged }).ToListAsync());
        Assert.Equal([(4.5, true), (2.5, true), (3.1, false), (3.3, false)], rows.Select(r => (r.Celsius, r.Averaged)));
        Assert.Equal(0, rows[0].At.Second);
        Assert.Equal(TimeSpan.FromMinutes(1), rows[1].At - rows[0].At);

        var points = await HttpAssert.OkAsync<List<TemperaturePointDto>>(await kit.Manager.GetAsync(
            $"/api/temperature?zoneId={zone.Id}&from={now.AddDays(-3):O}&to={now:O}"));
        Assert.Equal([4.5, 2.5, 3.1, 3.3], points.Select(p => p.Celsius));

        // Running again changes nothing.
        Assert.Equal("Succeeded", await host.RunJobAsync("temperature-downsample"));
        Assert.Equal(4, await host.DbAsync(db => db.TemperatureReadings.CountAsync()));
    }

    [Fact]
    public async Task Staff_read_zones_but_only_managers_create_and_edit_them_and_bad_ranges_are_refused()
    {
        await using var host = await TapRoomHost.StartAsync();
        await using var kit = await TemperatureKit.StartAsync(host);
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var zone = await kit.ZoneAsync("Cooler", 2, 5, 10);

        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PostAsJsonAsync($"/api/locations/{kit.LocationId}/temperature-zones",
            new { name = "Tower", minC = 2, maxC = 6, alertAfterMinutes = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PutAsJsonAsync($"/api/temperature-zones/{zone.Id}",
            new { name = "Cooler", minC = 0, maxC = 30, alertAfterMinutes = 5 })).StatusCode);
        using var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/locations/{kit.LocationId}/temperature-zones")).StatusCode);

        var listed = await HttpAssert.OkAsync<List<TemperatureZoneDto>>(await staff.GetAsync($"/api/locations/{kit.LocationId}/temperature-zones"));
        Assert.Equal((2.0, 5.0, 10), (Assert.Single(listed).MinC, listed[0].MaxC, listed[0].AlertAfterMinutes));

        await HttpAssert.ProblemAsync(await kit.Manager.PutAsJsonAsync($"/api/temperature-zones/{zone.Id}",
            new { name = "Cooler", minC = 5, maxC = 5.5, alertAfterMinutes = 5 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await kit.Manager.PutAsJsonAsync($"/api/temperature-zones/{zone.Id}",
            new { name = "Cooler", minC = -60, maxC = 5, alertAfterMinutes = 5 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await kit.Manager.PostAsJsonAsync($"/api/locations/{kit.LocationId}/temperature-zones",
            new { name = "cooler", minC = 1, maxC = 5, alertAfterMinutes = 5 }), HttpStatusCode.Conflict, "zone_name_taken");
        await HttpAssert.ProblemAsync(await kit.Manager.GetAsync($"/api/locations/{Guid.NewGuid()}/temperature-zones"), HttpStatusCode.NotFound, "not_found");

        var edited = await HttpAssert.OkAsync<TemperatureZoneDto>(await kit.Manager.PutAsJsonAsync($"/api/temperature-zones/{zone.Id}",
            new { name = "Keg cooler", minC = 1, maxC = 4, alertAfterMinutes = 15 }));
        Assert.Equal(("Keg cooler", 1.0, 4.0, 15), (edited.Name, edited.MinC, edited.MaxC, edited.AlertAfterMinutes));
        Assert.Equal(1, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "temperature_zone.changed" && e.SubjectId == zone.Id)));

        // A zone a controller names first is created with a default range for a manager to set.
        await kit.ReadAsync("Tower", 4.0);
        var tower = (await HttpAssert.OkAsync<List<TemperatureZoneDto>>(await staff.GetAsync($"/api/locations/{kit.LocationId}/temperature-zones"))).Single(z => z.Name == "Tower");
        Assert.Equal((1.0, 7.0), (tower.MinC, tower.MaxC));
    }
}
