using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Desk;

/// <summary>One real server per test class; tests use their own guests and cards, so they do not see each other.</summary>
public sealed class DeskHostFixture : IAsyncLifetime
{
    public TapRoomHost Host { get; private set; } = null!;
    public HttpClient Staff { get; private set; } = null!;
    public HttpClient Manager { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await TapRoomHost.StartAsync();
        Staff = await Host.SignInAsAsync(StaffRole.Staff);
        Manager = await Host.SignInAsAsync(StaffRole.Manager);
        // The desk moves money only while a shift is open (the location's default policy).
        await HttpAssert.OkAsync<ShiftDto>(await Manager.PostAsJsonAsync("/api/shifts", new { }, TapRoomHost.Json));
    }

    public async Task DisposeAsync()
    {
        Staff.Dispose();
        Manager.Dispose();
        await Host.DisposeAsync();
    }
}

public static class DeskApi
{
    public static readonly DateOnly AdultBirthday = new(1990, 5, 5);

    public static string NewUid(int bytes = 4) => Convert.ToHexString(RandomNumberGenerator.GetBytes(bytes));

    public static string NewKey() => Guid.NewGuid().ToString("N");

    public static async Task<GuestDto> CreateGuestAsync(this HttpClient client, string? name = null, DateOnly? dateOfBirth = null, string? phone = null)
    {
        var response = await client.PostAsJsonAsync("/api/guests",
            new { name = name ?? "Guest " + Guid.NewGuid().ToString("N")[..8], phone, dateOfBirth = dateOfBirth ?? AdultBirthday }, TapRoomHost.Json);
        return await HttpAssert.OkAsync<GuestDto>(response);
    }

    public static Task<HttpResponseMessage> OpenAsync(this HttpClient client, Guid guestId, string cardUid, string? key = null) =>
        client.PostAsJsonAsync("/api/visits/open-and-assign-card", new { guestId, cardUid, idempotencyKey = key ?? NewKey() }, TapRoomHost.Json);

    public static async Task<OpenAndAssignCardResult> OpenOkAsync(this HttpClient client, Guid guestId, string cardUid, string? key = null) =>
        await HttpAssert.OkAsync<OpenAndAssignCardResult>(await client.OpenAsync(guestId, cardUid, key));

    /// <summary>A new adult guest with an open visit on a new card.</summary>
    public static async Task<(GuestDto Guest, OpenAndAssignCardResult Visit)> GuestWithVisitAsync(this HttpClient client)
    {
        var guest = await client.CreateGuestAsync();
        return (guest, await client.OpenOkAsync(guest.Id, NewUid()));
    }

    public static Task<HttpResponseMessage> TopUpAsync(this HttpClient client, Guid visitId, decimal amount) =>
        client.PostAsJsonAsync($"/api/visits/{visitId}/top-up", new { amount }, TapRoomHost.Json);

    public static Task<HttpResponseMessage> RefundAsync(this HttpClient client, Guid visitId, decimal amount) =>
        client.PostAsJsonAsync($"/api/visits/{visitId}/refund", new { amount }, TapRoomHost.Json);

    public static Task<HttpResponseMessage> CloseAsync(this HttpClient client, Guid visitId, bool? refundRemaining = null, string? reason = null) =>
        client.PostAsJsonAsync($"/api/visits/{visitId}/close", new { reason, refundRemaining }, TapRoomHost.Json);

    public static async Task<VisitDetailDto> VisitAsync(this HttpClient client, Guid visitId) =>
        await HttpAssert.OkAsync<VisitDetailDto>(await client.GetAsync($"/api/visits/{visitId}"));

    /// <summary>A tap with a connected keg and a controller, so that a pour session row can be arranged for a visit.</summary>
    public static async Task<PourSession> ArrangePourAsync(this TapRoomHost host, Guid visitId, bool holdLock, SyncStatus status = SyncStatus.PendingSync)
    {
        var pour = await host.DbAsync(async db =>
        {
            var location = await db.Locations.FirstAsync();
            var now = host.Time.GetUtcNow().UtcDateTime;
            var beer = new BeerType { Id = Guid.NewGuid(), Name = "Beer " + Guid.NewGuid().ToString("N")[..8], Abv = 5m, PricePerLiter = 8m, CreatedAt = now };
            var controller = new Controller
            {
                Id = Guid.NewGuid(), LocationId = location.Id, Name = "pi-" + Guid.NewGuid().ToString("N")[..6],
                ApiKeyHash = Guid.NewGuid().ToString("N"), ApiKeyPrefix = "trk_test", CreatedAt = now,
            };
            var number = (await db.Taps.Select(t => (int?)t.Number).MaxAsync() ?? 0) + 1;
            var tap = new Tap { Id = Guid.NewGuid(), LocationId = location.Id, Number = number, Name = $"Tap {number}", Status = TapStatus.Active, ControllerId = controller.Id, CreatedAt = now };
            var keg = new Keg
            {
                Id = Guid.NewGuid(), LocationId = location.Id, BeerTypeId = beer.Id, NominalVolumeMl = 30000, RemainingVolumeMl = 30000, Status = KegStatus.Connected,
                TapId = tap.Id, ConnectedAt = now, CreatedAt = now,
            };
            tap.KegId = keg.Id;
            var visit = await db.Visits.Include(v => v.Card).SingleAsync(v => v.Id == visitId);
            var pour = new PourSession
            {
                Id = Guid.NewGuid(), VisitId = visitId, TapId = tap.Id, KegId = keg.Id, ControllerId = controller.Id, RequestId = Guid.NewGuid(),
                CardUid = visit.Card!.Uid, MaxVolumeMl = 500, PricePerLiter = 8m, AuthorizedAt = now, SyncStatus = status,
            };
            db.AddRange(beer, controller, keg, tap, pour);
            if (holdLock)
            {
                visit.ActiveTapId = tap.Id;
                visit.LockSetAt = now;
                visit.ActivePourSessionId = pour.Id;
            }
            await db.SaveChangesAsync();
            return pour;
        });
        return pour;
    }
}
