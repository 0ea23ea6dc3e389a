using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Tests.Desk;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Venues;

/// <summary>
/// Staff of one venue see and touch nothing of another: every route of the OpenAPI document is asked, by a manager of
/// venue A, for venue B's things (by id, in lists with <c>?locationId=</c>, and as creations in B). Each is refused, no
/// answer names or identifies anything of B, and B is unchanged. A route added later without a venue check fails here.
/// </summary>
public sealed class VenueIsolationTests
{
    private sealed record VenueB(Guid Id, Guid Tap, Guid Keg, Guid Controller, Guid Visit, Guid Shift, Guid Alert, Guid LostCard, long PosEntry,
        Guid Guest, Guid StaffUser, Guid BeerType, Guid Zone, Guid Calibration, string[] Secrets);

    [Fact]
    public async Task A_manager_of_one_venue_is_refused_every_route_to_another_and_learns_nothing_of_it()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        var b = await ArrangeVenueBAsync(host, admin);
        using var managerOfA = await host.SignInAsAsync(StaffRole.Manager);
        var before = await SnapshotAsync(host, b.Id);

        var document = JsonNode.Parse(await managerOfA.GetStringAsync("/openapi/v1.json"))!;
        var asked = 0;
        var failures = new List<string>();
        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            if (!path.StartsWith("/api/", StringComparison.Ordinal) || Skipped.Contains(path)) continue;
            foreach (var (method, operation) in operations!.AsObject())
            {
                var (url, aimedAtB) = Url(path, operation!, b);
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url);
                if (operation!["requestBody"] is not null) request.Content = new StringContent(Body(b), Encoding.UTF8, "application/json");
                using var response = await managerOfA.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                asked++;
                if (aimedAtB && response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Forbidden))
                    failures.Add($"{method.ToUpperInvariant()} {url}: {(int)response.StatusCode}, expected 404 or 403");
                foreach (var secret in b.Secrets.Where(s => body.Contains(s, StringComparison.OrdinalIgnoreCase)))
                    failures.Add($"{method.ToUpperInvariant()} {url}: the answer contains venue B's '{secret}'");
            }
        }

        Assert.True(asked > 60, $"only {asked} routes were asked");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(before, await SnapshotAsync(host, b.Id));

        // The admin, who runs the chain, does see B's things.
        Assert.Contains(b.Tap.ToString(), await admin.GetStringAsync($"/api/taps?locationId={b.Id}"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(b.Visit.ToString(), await admin.GetStringAsync("/api/visits"), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The caller's own sign-in, and the public pairing of a controller, are not a venue's.</summary>
    private static readonly HashSet<string> Skipped = ["/api/auth/login", "/api/auth/logout", "/api/auth/logout-everywhere", "/api/auth/password",
        "/api/controllers/pairing", "/api/controllers/pairing/{pairingId}",
        // Reporting a card lost is the chain's: any venue may stop a card (tested in LostCardTests); it names no visit of B.
        "/api/cards/{uid}/lost"];

    private static (string Url, bool AimedAtB) Url(string path, JsonNode operation, VenueB b)
    {
        var aimed = false;
        var url = path;
        if (path.Contains("{id}"))
        {
            var (id, venueThing) = path switch
            {
                _ when path.StartsWith("/api/taps/") => (b.Tap.ToString(), true),
                _ when path.StartsWith("/api/kegs/") => (b.Keg.ToString(), true),
                _ when path.StartsWith("/api/controllers/") => (b.Controller.ToString(), true),
                _ when path.StartsWith("/api/visits/") => (b.Visit.ToString(), true),
                _ when path.StartsWith("/api/shifts/") || path.StartsWith("/api/stats/shifts/") => (b.Shift.ToString(), true),
                _ when path.StartsWith("/api/alerts/") => (b.Alert.ToString(), true),
                _ when path.StartsWith("/api/lost-cards/") => (b.LostCard.ToString(), true),
                _ when path.StartsWith("/api/temperature-zones/") => (b.Zone.ToString(), true),
                _ when path.StartsWith("/api/calibrations/") => (b.Calibration.ToString(), true),
                _ when path.StartsWith("/api/pos/outbox/") => (b.PosEntry.ToString(), true),
                _ when path.StartsWith("/api/locations/") => (b.Id.ToString(), true),
                _ when path.StartsWith("/api/guests/") => (b.Guest.ToString(), false), // guests are the chain's
                _ when path.StartsWith("/api/staff/") => (b.StaffUser.ToString(), true),  // the admin's
                _ when path.StartsWith("/api/beer-types/") => (b.BeerType.ToString(), false), // the catalogue is the chain's
                _ => throw new InvalidOperationException($"{path}: which thing does its id name? Add it here and give the route a venue check."),
            };
            url = url.Replace("{id}", id);
            aimed = venueThing;
        }
        url = url.Replace("{staffUserId}", b.StaffUser.ToString()).Replace("{beerTypeId}", b.BeerType.ToString());
        var query = operation["parameters"]?.AsArray().Select(p => p!["name"]!.GetValue<string>()).ToList() ?? [];
        if (query.Contains("zoneId"))
        {
            url += (url.Contains('?') ? "&" : "?") + "zoneId=" + b.Zone;
            aimed = true;
        }
        if (query.Contains("locationId"))
        {
            url += (url.Contains('?') ? "&" : "?") + "locationId=" + b.Id;
            aimed = true;
        }
        if (operation["requestBody"] is not null && path is "/api/taps" or "/api/kegs" or "/api/controllers" or "/api/shifts" or "/api/visits/open-and-assign-card")
            aimed = true; // a creation in B
        return (url, aimed);
    }

    /// <summary>One body for every route: what each needs to get past validation, aimed at B's things.</summary>
    private static string Body(VenueB b) => JsonSerializer.Serialize(new
    {
        locationId = b.Id, name = "Made by A", comment = "from venue A", reason = "from venue A", amount = 1.00m, volumeMl = 100,
        measuredVolumeMl = 100, pulses = 560, kegId = b.Keg, tapId = b.Tap, tapIds = new[] { b.Tap }, beerTypeId = b.BeerType,
        nominalVolumeMl = 20_000, guestId = b.Guest, cardUid = DeskApi.NewUid(), idempotencyKey = Guid.NewGuid().ToString("N"),
        paymentMethod = "cash", pricePerLiter = 4.00m, status = "locked", type = "keg_low", subjectType = "tap", subjectId = b.Tap,
        minutes = 10, refundRemaining = true, volumeLimitMl = 3000, code = "123456", role = "staff", login = "a-made", password = "password-123",
        pourSessionId = Guid.NewGuid(), staffUserId = b.StaffUser, equipmentConfirmed = Array.Empty<string>(), locationIds = new[] { b.Id },
    }, TapRoomHost.Json);

    private static async Task<VenueB> ArrangeVenueBAsync(TapRoomHost host, HttpClient admin)
    {
        var venue = await HttpAssert.OkAsync<LocationDto>(await admin.PostAsJsonAsync("/api/locations",
            new { name = "Hafen Secret Venue", slug = "hafen-secret", currency = "EUR", timeZone = "Europe/Berlin" }, TapRoomHost.Json));
        var id = venue.Id;
        var beer = await HttpAssert.OkAsync<BeerTypeDto>(await admin.PostAsJsonAsync("/api/beer-types", new { name = "Common Lager", abv = 5m, pricePerLiter = 6m }, TapRoomHost.Json));
        var tap = await HttpAssert.OkAsync<TapDto>(await admin.PostAsJsonAsync("/api/taps", new { name = "Hafen Secret Tap", locationId = id }, TapRoomHost.Json));
        var keg = await HttpAssert.OkAsync<KegDto>(await admin.PostAsJsonAsync("/api/kegs", new { beerTypeId = beer.Id, nominalVolumeMl = 20_000, locationId = id }, TapRoomHost.Json));
        var controller = await HttpAssert.OkAsync<JsonElement>(await admin.PostAsJsonAsync("/api/controllers", new { name = "hafen-secret-pi", tapIds = new[] { tap.Id } }, TapRoomHost.Json));
        var shift = await HttpAssert.OkAsync<ShiftDto>(await admin.PostAsJsonAsync("/api/shifts", new { locationId = id }, TapRoomHost.Json));
        var guest = await admin.CreateGuestAsync("Chain Guest");
        var uid = DeskApi.NewUid();
        var visit = await HttpAssert.OkAsync<OpenAndAssignCardResult>(await admin.PostAsJsonAsync("/api/visits/open-and-assign-card",
            new { guestId = guest.Id, cardUid = uid, idempotencyKey = DeskApi.NewKey(), locationId = id }, TapRoomHost.Json));
        (await admin.TopUpAsync(visit.VisitId, 25m)).EnsureSuccessStatusCode();
        var staffB = await HttpAssert.OkAsync<StaffUserDto>(await admin.PostAsJsonAsync("/api/staff",
            new { login = "hafen-secret-staff", name = "Hafen Secret Staff", password = "password-123", role = "staff", locationIds = new[] { id } }, TapRoomHost.Json));
        var zone = await HttpAssert.OkAsync<JsonElement>(await admin.PostAsJsonAsync($"/api/locations/{id}/temperature-zones",
            new { name = "Hafen Secret Cooler", minC = 1, maxC = 5, alertAfterMinutes = 10 }, TapRoomHost.Json));
        var calibration = Guid.NewGuid();
        var (alert, lost, pos) = await host.DbAsync(async db =>
        {
            var now = host.Time.GetUtcNow().UtcDateTime;
            var a = new Alert { Id = Guid.NewGuid(), LocationId = id, Type = "keg_low", Severity = AlertSeverity.Warning, SubjectType = "tap", SubjectId = tap.Id,
                Message = "Hafen Secret Tap is low", RaisedAt = now, LastRaisedAt = now };
            var l = new LostCard { Id = Guid.NewGuid(), LocationId = id, Uid = DeskApi.NewUid(), ReportedAt = now, ReportedBy = "Hafen Secret Staff" };
            db.Alerts.Add(a);
            db.LostCards.Add(l);
            db.TapCalibrations.Add(new Server.Features.Calibration.TapCalibration
            {
                Id = calibration, TapId = tap.Id, LocationId = id, ControllerId = controller.GetProperty("id").GetGuid(), Status = CalibrationStatus.Poured,
                TargetMl = 500, PulsesPerLiterUsed = 5600, Pulses = 2800, VolumeMl = 500, StartedBy = "Hafen Secret Staff", StartedAt = now, PouredAt = now,
            });
            await db.SaveChangesAsync();
            var entry = await db.PosOutbox.Where(e => e.LocationId == id).Select(e => e.Id).FirstAsync();
            return (a.Id, l.Id, entry);
        });
        var secrets = new[] { "Hafen Secret", "hafen-secret", id.ToString(), tap.Id.ToString(), keg.Id.ToString(), controller.GetProperty("id").GetString()!,
            visit.VisitId.ToString(), shift.Id.ToString(), alert.ToString(), lost.ToString(), zone.GetProperty("id").GetString()!, calibration.ToString() }; // the guest and their card are the chain's
        return new VenueB(id, tap.Id, keg.Id, controller.GetProperty("id").GetGuid(), visit.VisitId, shift.Id, alert, lost, pos, guest.Id, staffB.Id, beer.Id,
            zone.GetProperty("id").GetGuid(), calibration, secrets);
    }

    /// <summary>Everything of venue B that a refused request could have changed.</summary>
    private static Task<string> SnapshotAsync(TapRoomHost host, Guid venue) => host.DbAsync(async db => JsonSerializer.Serialize(new
    {
        taps = await db.Taps.AsNoTracking().Where(t => t.LocationId == venue).OrderBy(t => t.Id).Select(t => new { t.Id, t.Name, t.Status, t.KegId, t.ControllerId }).ToListAsync(),
        kegs = await db.Kegs.AsNoTracking().Where(k => k.LocationId == venue).OrderBy(k => k.Id).Select(k => new { k.Id, k.Status, k.RemainingVolumeMl, k.TapId }).ToListAsync(),
        visits = await db.Visits.AsNoTracking().Where(v => v.LocationId == venue).OrderBy(v => v.Id).Select(v => new { v.Id, v.Status, v.Balance, v.VolumeLimitMl, v.CardId }).ToListAsync(),
        controllers = await db.Controllers.AsNoTracking().Where(c => c.LocationId == venue).OrderBy(c => c.Id).Select(c => new { c.Id, c.RevokedAt, c.PulsesPerLiter }).ToListAsync(),
        shifts = await db.Shifts.AsNoTracking().Where(s => s.LocationId == venue).OrderBy(s => s.Id).Select(s => new { s.Id, s.Status, members = s.Members.Count }).ToListAsync(),
        alerts = await db.Alerts.AsNoTracking().Where(a => a.LocationId == venue).OrderBy(a => a.Id).Select(a => new { a.Id, a.Status }).ToListAsync(),
        mutes = await db.AlertMutes.CountAsync(),
        lost = await db.LostCards.AsNoTracking().Where(l => l.LocationId == venue).OrderBy(l => l.Id).Select(l => new { l.Id, l.ClearedAt }).ToListAsync(),
        pos = await db.PosOutbox.AsNoTracking().Where(e => e.LocationId == venue).OrderBy(e => e.Id).Select(e => new { e.Id, e.Status, e.Attempts }).ToListAsync(),
        location = await db.Locations.AsNoTracking().Where(l => l.Id == venue).Select(l => new { l.Name, l.Currency, l.TimeZone, l.Policies.PerPourCapMl, l.BoardEnabled }).SingleAsync(),
        zones = await db.TemperatureZones.AsNoTracking().Where(z => z.LocationId == venue).OrderBy(z => z.Id).Select(z => new { z.Id, z.Name, z.MinC, z.MaxC }).ToListAsync(),
        prices = await db.LocationPrices.CountAsync(p => p.LocationId == venue),
        ledger = await db.Ledger.CountAsync(e => db.Visits.Any(v => v.Id == e.VisitId && v.LocationId == venue)),
        staffB = await db.StaffLocations.CountAsync(m => m.LocationId == venue),
        calibrations = await db.TapCalibrations.AsNoTracking().Where(c => c.LocationId == venue).Select(c => new { c.Id, c.Status, c.MeasuredMl }).ToListAsync(),
        waste = await db.KegWaste.CountAsync(),
    }, TapRoomHost.Json));
}
