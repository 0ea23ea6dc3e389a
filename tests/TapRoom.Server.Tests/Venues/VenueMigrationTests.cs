using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Foundation;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Venues;

/// <summary>
/// A single venue's database from before venues (a night of every kind of row) takes the Venues migration on the
/// provider under test: everything lands in the one venue, its staff become its members, and every figure is unchanged.
/// </summary>
public sealed class VenueMigrationTests
{
    [Fact]
    public async Task A_single_venue_database_from_before_venues_migrates_into_its_venue_with_every_figure_unchanged()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        await CopyToPostgresTests.ArrangeEveryKindOfRowAsync(host);
        var venue = await host.DbAsync(db => db.Locations.Select(l => l.Id).SingleAsync());
        // What came with venues and after them (prices per venue, temperature, waste and calibrations) did not exist
        // before: going back to that schema drops it, so the night is compared without it.
        await host.DbAsync(async db =>
        {
            await db.LocationPrices.ExecuteDeleteAsync();
            await db.TemperatureReadings.ExecuteDeleteAsync();
            await db.TemperatureSensors.ExecuteDeleteAsync();
            await db.TemperatureZones.ExecuteDeleteAsync();
            await db.KegWaste.ExecuteDeleteAsync();
            await db.TapCalibrations.ExecuteDeleteAsync();
            return 0;
        });
        var before = await FiguresAsync(admin);

        // Back to the schema of the release before venues, as a server of that release left it, and up again.
        await host.DbAsync(async db =>
        {
            var migrator = db.GetService<IMigrator>();
            var all = db.Database.GetMigrations().ToList();
            var venues = all.FindIndex(m => m.EndsWith("_Venues", StringComparison.Ordinal));
            await migrator.MigrateAsync(all[venues - 1]);
            await migrator.MigrateAsync();
            return 0;
        });

        Assert.Equal(before, await FiguresAsync(admin));
        await host.DbAsync(async db =>
        {
            Assert.True(await db.Kegs.AnyAsync());
            Assert.All(await db.Kegs.Select(k => k.LocationId).ToListAsync(), id => Assert.Equal(venue, id));
            Assert.All(await db.Alerts.Select(a => a.LocationId).ToListAsync(), id => Assert.Equal(venue, id));
            Assert.All(await db.PosOutbox.Select(e => e.LocationId).ToListAsync(), id => Assert.Equal(venue, id));
            Assert.All(await db.LostCards.Select(l => l.LocationId).ToListAsync(), id => Assert.Equal(venue, id));
            Assert.True(await db.AuditEvents.AnyAsync(e => e.LocationId == venue));
            Assert.False(await db.AuditEvents.AnyAsync(e => e.LocationId == null && e.SubjectType == "visit"));
            // Every staff member and manager works at the venue; admins run the chain.
            var staff = await db.StaffUsers.Where(u => u.Role != StaffRole.Admin).Select(u => u.Id).ToListAsync();
            Assert.NotEmpty(staff);
            Assert.Equal(staff.Order(), (await db.StaffLocations.Where(m => m.LocationId == venue).Select(m => m.StaffUserId).ToListAsync()).Order());
            Assert.False(await db.StaffLocations.AnyAsync(m => db.StaffUsers.Any(u => u.Id == m.StaffUserId && u.Role == StaffRole.Admin)));
            return 0;
        });
    }

    /// <summary>What the venue's staff and manager read: taps, kegs, visits with their balances, alerts, the POS queue, the shift report, the audit trail.</summary>
    private static async Task<string> FiguresAsync(HttpClient admin)
    {
        var shift = await admin.GetFromJsonAsync<ShiftDto>("/api/shifts/current", TapRoomHost.Json);
        var figures = new Dictionary<string, string>
        {
            ["taps"] = await admin.GetStringAsync("/api/taps"),
            ["kegs"] = await admin.GetStringAsync("/api/kegs"),
            ["visits"] = await admin.GetStringAsync("/api/visits"),
            ["alerts"] = await admin.GetStringAsync("/api/alerts?limit=1000"),
            ["pos"] = await admin.GetStringAsync("/api/pos/outbox?limit=500"),
            ["lost"] = await admin.GetStringAsync("/api/lost-cards"),
            ["controllers"] = await admin.GetStringAsync("/api/controllers"),
            ["report"] = Without(await admin.GetStringAsync($"/api/shifts/{shift!.Id}/report"), "generatedAt"),
            ["audit"] = (await admin.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000", TapRoomHost.Json)).GetArrayLength().ToString(),
        };
        return JsonSerializer.Serialize(figures);
    }

    private static string Without(string json, string property)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node.Remove(property);
        return node.ToJsonString();
    }
}
