using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Features.Kegs;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Kegs;

/// <summary>Arranges beers, taps and kegs through the real REST API (and the database only where the API has no door).</summary>
public static class KegKit
{
    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, TapRoomHost.Json);

    public static async Task<BeerTypeDto> CreateBeerAsync(HttpClient manager, string name, decimal price = 8.50m, decimal abv = 5m) =>
        await HttpAssert.OkAsync<BeerTypeDto>(await manager.PostAsync("/api/beer-types", new { name, style = "Lager", abv, pricePerLiter = price }));

    public static async Task<TapDto> CreateTapAsync(HttpClient manager, string name, int? number = null) =>
        await HttpAssert.OkAsync<TapDto>(await manager.PostAsync("/api/taps", new { name, number }));

    public static async Task<KegDto> ReceiveAsync(HttpClient staff, Guid beerTypeId, int nominalVolumeMl = 30_000, DateTime? receivedAt = null) =>
        await HttpAssert.OkAsync<KegDto>(await staff.PostAsync("/api/kegs", new { beerTypeId, nominalVolumeMl, receivedAt }));

    public static async Task<ConnectKeg.Result> ConnectAsync(HttpClient staff, Guid tapId, Guid kegId) =>
        await HttpAssert.OkAsync<ConnectKeg.Result>(await staff.PostAsync($"/api/taps/{tapId}/connect-keg", new { kegId }));

    public static Task<Keg> KegAsync(this TapRoomHost host, Guid id) => host.DbAsync(db => db.Kegs.AsNoTracking().SingleAsync(k => k.Id == id));

    public static Task<Tap> TapAsync(this TapRoomHost host, Guid id) => host.DbAsync(db => db.Taps.AsNoTracking().SingleAsync(t => t.Id == id));

    /// <summary>Stands in for pours: sets what is left in the keg, as a completed pour leaves it.</summary>
    public static Task SetRemainingAsync(this TapRoomHost host, Guid kegId, int remainingMl) => host.DbAsync(async db =>
    {
        var keg = await db.Kegs.SingleAsync(k => k.Id == kegId);
        // As pours leave it: what is gone is charged (the parts still add up to the nominal volume).
        keg.ChargedMl += keg.RemainingVolumeMl - remainingMl;
        keg.RemainingVolumeMl = remainingMl;
        await db.SaveChangesAsync();
    });

    public static Task SetTapStatusAsync(this TapRoomHost host, Guid tapId, TapStatus status) => host.DbAsync(async db =>
    {
        var tap = await db.Taps.SingleAsync(t => t.Id == tapId);
        tap.Status = status;
        await db.SaveChangesAsync();
    });

    public static Task<List<Alert>> KegAlertsAsync(this TapRoomHost host, Guid kegId) =>
        host.DbAsync(db => db.Alerts.AsNoTracking().Where(a => a.Type == AlertTypes.KegLow && a.SubjectId == kegId).ToListAsync());

    public static Task<List<AuditEvent>> AuditAsync(this TapRoomHost host, string action) =>
        host.DbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Action == action).OrderBy(e => e.Id).ToListAsync());

    public static JsonElement Details(this AuditEvent e) => JsonDocument.Parse(e.DetailsJson).RootElement;

    /// <summary>A guest with an active visit holding the tap's lock, as an authorised pour leaves it.</summary>
    public static async Task<Guid> LockTapWithVisitAsync(this TapRoomHost host, Guid tapId) => await host.DbAsync(async db =>
    {
        var location = await db.Locations.FirstAsync();
        var now = host.Time.GetUtcNow().UtcDateTime;
        var guest = new Guest { Id = Guid.NewGuid(), Name = "Pourer", DateOfBirth = new DateOnly(1990, 1, 1), CreatedAt = now };
        var visit = new Visit
        {
            Id = Guid.NewGuid(), LocationId = location.Id, GuestId = guest.Id, OpenedAt = now, OpenedBy = "desk",
            VolumeLimitMl = 2000, ActiveTapId = tapId, LockSetAt = now,
        };
        db.Guests.Add(guest);
        db.Visits.Add(visit);
        await db.SaveChangesAsync();
        return visit.Id;
    });

    public static Task ReleaseLockAsync(this TapRoomHost host, Guid visitId) => host.DbAsync(async db =>
    {
        var visit = await db.Visits.SingleAsync(v => v.Id == visitId);
        TapRoom.Server.Features.Pours.VisitLock.Release(visit);
        await db.SaveChangesAsync();
    });
}
