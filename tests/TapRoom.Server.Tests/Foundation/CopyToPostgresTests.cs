using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Faults;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Foundation;

/// <summary>
/// <c>copy-to-postgres</c> moves a venue from SQLite to PostgreSQL: every table, counts equal, the invariant checker
/// happy on both sides, and the server runs on the copy as it did on the file.
/// </summary>
[Trait("Database", "postgres-only")]
public sealed class CopyToPostgresTests
{
    [Fact]
    public async Task A_venue_with_every_kind_of_row_is_copied_with_equal_counts_and_its_invariants_hold()
    {
        var dir = Path.Combine(Path.GetTempPath(), "taproom-tests", "copy-" + Guid.NewGuid().ToString("N"));
        await using var sqlite = await TestDatabase.CreateAsync(DatabaseOptions.Sqlite);
        await using var postgres = await TestDatabase.CreateAsync(DatabaseOptions.Postgres);
        Dictionary<string, int> counts;
        Guid visitWithPours;
        decimal balance;
        await using (var host = await TapRoomHost.StartAsync(dataDirectory: dir, database: sqlite))
        {
            (visitWithPours, balance) = await ArrangeEveryKindOfRowAsync(host);
            counts = await CountsAsync(host.ReadDatabase);
            var empty = counts.Where(c => c.Value == 0).Select(c => c.Key).ToList();
            Assert.True(empty.Count == 0, "The arrangement left tables empty: " + string.Join(", ", empty));
            FaultVenue.AssertHolds(await InvariantChecker.CheckAsync(host.ReadDatabase));
        }
        TestDatabase.ClearPools();

        Assert.True(await DatabaseCli.TryRunAsync(["copy-to-postgres", postgres.ConnectionString!, "--TapRoom:DataDirectory", dir]));
        Assert.Equal(0, Environment.ExitCode);

        var copied = postgres.ForReading(dir);
        Assert.Equal(counts, await CountsAsync(copied));
        FaultVenue.AssertHolds(await InvariantChecker.CheckAsync(copied));

        // A second copy into the now full database is refused and changes nothing.
        Assert.True(await DatabaseCli.TryRunAsync(["copy-to-postgres", postgres.ConnectionString!, "--TapRoom:DataDirectory", dir]));
        Assert.Equal(1, Environment.ExitCode);
        Environment.ExitCode = 0;
        Assert.Equal(counts, await CountsAsync(copied));

        // The server runs on the copy: the same admin password, the same balance, and new rows get new ids.
        await using (var host = await TapRoomHost.StartAsync(database: postgres))
        {
            using var admin = await host.SignInAsync();
            var visit = await admin.GetFromJsonAsync<VisitDetailDto>($"/api/visits/{visitWithPours}", TapRoomHost.Json);
            Assert.Equal(balance, visit!.Visit.Balance);
            var maxCopiedId = await host.DbAsync(db => db.AuditEvents.MaxAsync(a => a.Id));
            await FaultVenue.PostAsync(admin, "/api/guests", new { name = "After the move", dateOfBirth = new DateOnly(1990, 1, 1) });
            var created = await host.DbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(a => a.Action == "guest.created" && a.Id > maxCopiedId));
            Assert.True(created.Id > maxCopiedId);
        }
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }

    private static async Task<Dictionary<string, int>> CountsAsync(TapRoomDatabase database)
    {
        await using var db = database.CreateContext();
        var result = new Dictionary<string, int>();
        foreach (var t in DatabaseCopy.Tables(db.Model))
        {
            var sql = string.Format(System.Globalization.CultureInfo.InvariantCulture, "SELECT COUNT(*) AS \"Value\" FROM \"{0}\"", t.GetTableName());
            result[t.GetTableName()!] = await db.Database.SqlQueryRaw<int>(sql).SingleAsync();
        }
        return result;
    }

    /// <summary>Through the product's own API: every table gets rows, money moves every way, pours end every way.</summary>
    internal static async Task<(Guid VisitId, decimal Balance)> ArrangeEveryKindOfRowAsync(TapRoomHost host)
    {
        using var admin = await host.SignInAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var venue = await FaultVenue.ArrangeAsync(admin, taps: 3, guests: 5, money: 40m);
        var shift = await admin.GetFromJsonAsync<ShiftDto>("/api/shifts/current", TapRoomHost.Json);
        await FaultVenue.PostAsync(staff, $"/api/shifts/{shift!.Id}/members", new { });

        await using var tap0 = await venue.ConnectAsync(venue.Taps[0]);
        await using var tap1 = await venue.ConnectAsync(venue.Taps[1]);
        // A synced pour (charged), a reconciled one (charged by a manager), and one still pouring.
        var synced = await tap0.Authorize(new AuthorizeRequest(venue.Taps[0].TapId, venue.Guests[0].CardUid, Guid.NewGuid()));
        Assert.True(synced.Allowed, synced.Message);
        var done = await tap0.CompletePour(new CompletePourRequest(synced.PourSessionId!.Value, venue.Taps[0].TapId, 333, DateTime.UtcNow, DateTime.UtcNow));
        Assert.Equal(CompletePourOutcome.Synced, done.Outcome);
        var lost = await tap1.Authorize(new AuthorizeRequest(venue.Taps[1].TapId, venue.Guests[1].CardUid, Guid.NewGuid()));
        Assert.True(lost.Allowed, lost.Message);
        await FaultVenue.PostAsync(manager, $"/api/visits/{venue.Guests[1].VisitId}/reconcile-pour",
            new { pourSessionId = lost.PourSessionId, volumeMl = 250, comment = "controller lost its journal" });
        var open = await tap0.Authorize(new AuthorizeRequest(venue.Taps[0].TapId, venue.Guests[2].CardUid, Guid.NewGuid()));
        Assert.True(open.Allowed, open.Message);

        // Money out: a refund, and a visit closed with its rest refunded.
        await FaultVenue.PostAsync(staff, $"/api/visits/{venue.Guests[3].VisitId}/refund", new { amount = 5.55m });
        await FaultVenue.PostAsync(staff, $"/api/visits/{venue.Guests[3].VisitId}/close", new { reason = "going home", refundRemaining = true });

        // A lost card, presented at a tap (a critical alert), and a manager's mute of another alert type.
        await FaultVenue.PostAsync(staff, $"/api/cards/{venue.Guests[4].CardUid}/lost", new { reason = "dropped it" });
        var denied = await tap1.Authorize(new AuthorizeRequest(venue.Taps[1].TapId, venue.Guests[4].CardUid, Guid.NewGuid()));
        Assert.Equal(DenyReason.CardLost, denied.DenyReason);
        await FaultVenue.PostAsync(manager, "/api/alerts/mute",
            new { type = Features.Alerts.AlertTypes.FlowWithoutPour, subjectType = "tap", subjectId = venue.Taps[2].TapId, minutes = 30, comment = "valve being replaced" });

        // The venue's own price for a beer.
        var beers = await admin.GetFromJsonAsync<List<BeerTypeDto>>("/api/beer-types", TapRoomHost.Json);
        var venues = await admin.GetFromJsonAsync<List<LocationDto>>("/api/locations", TapRoomHost.Json);
        (await admin.PutAsJsonAsync($"/api/locations/{venues![0].Id}/prices/{beers![0].Id}", new { pricePerLiter = 7.25m }, TapRoomHost.Json)).EnsureSuccessStatusCode();

        // A temperature reading (its zone and sensor are made with it).
        var reading = await tap0.TemperatureReadings(new TemperatureReadingsRequest([new("28-0000000c0ffe", "Cooler", 3.5, host.Time.GetUtcNow().UtcDateTime)]));
        Assert.Equal(1, reading.Accepted);

        // Waste recorded from a keg, and a calibration pour poured, reported and measured (issue 27).
        await FaultVenue.PostAsync(staff, $"/api/kegs/{venue.Taps[1].KegId}/waste", new { volumeMl = 40, kind = "foam", comment = "fresh keg" });
        var calibrationId = (await FaultVenue.PostAsync(manager, $"/api/taps/{venue.Taps[1].TapId}/calibrations", new { targetMl = 300 })).GetProperty("calibrationId").GetGuid();
        await tap1.CalibrationPourDone(new CalibrationPourDoneMessage(calibrationId, venue.Taps[1].TapId, 1690, 301, DateTime.UtcNow));
        await FaultVenue.PostAsync(manager, $"/api/calibrations/{calibrationId}/measured", new { measuredMl = 296 });

        // A new controller waiting to be adopted by its code.
        using var newcomer = host.CreateClient();
        await FaultVenue.PostAsync(newcomer, "/api/controllers/pairing", new { agentVersion = "1.0.0", hardwareId = "pi-serial-0001" });

        var detail = await admin.GetFromJsonAsync<VisitDetailDto>($"/api/visits/{venue.Guests[0].VisitId}", TapRoomHost.Json);
        return (venue.Guests[0].VisitId, detail!.Visit.Balance);
    }
}
