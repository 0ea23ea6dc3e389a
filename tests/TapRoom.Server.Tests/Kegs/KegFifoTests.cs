using System.Net;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Kegs;

public sealed class KegFifoTests
{
    private static DateTime Day(int month, int day) => new(2026, month, day, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Receives a keg through the API, then backdates it as a keg from the past (or from before received_at existed).</summary>
    private static async Task<Guid> KegAsync(TapRoomHost host, HttpClient staff, Guid beerId, DateTime? receivedAt, DateTime createdAt, Guid? id = null)
    {
        var keg = await KegKit.ReceiveAsync(staff, beerId, 20_000, receivedAt ?? createdAt);
        await host.DbAsync(async db =>
        {
            var k = await db.Kegs.SingleAsync(x => x.Id == keg.Id);
            k.ReceivedAt = receivedAt;
            k.CreatedAt = createdAt;
            await db.SaveChangesAsync();
            // SQLite keeps Guids as upper-case text, PostgreSQL as uuid.
            if (id is { } wanted && host.Database.IsPostgres)
                await db.Database.ExecuteSqlRawAsync("UPDATE \"Kegs\" SET \"Id\" = {0} WHERE \"Id\" = {1}", wanted, keg.Id);
            else if (id is { } w)
                await db.Database.ExecuteSqlRawAsync("UPDATE Kegs SET Id = {0} WHERE Id = {1}", w.ToString().ToUpperInvariant(), keg.Id.ToString().ToUpperInvariant());
        });
        return id ?? keg.Id;
    }

    [Fact]
    public async Task The_suggestion_is_the_oldest_warehouse_keg_of_the_taps_beer_with_creation_time_standing_in_and_ties_broken_deterministically()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var pils = await KegKit.CreateBeerAsync(manager, "Pils");
        var stout = await KegKit.CreateBeerAsync(manager, "Stout");
        var tap = await KegKit.CreateTapAsync(manager, "Left");
        var onTap = await KegKit.ReceiveAsync(staff, pils.Id, 20_000, Day(1, 1));
        await KegKit.ConnectAsync(staff, tap.Id, onTap.Id);

        // Stout is older than every Pils keg: it must not be suggested for a Pils tap.
        var stoutOld = await KegAsync(host, staff, stout.Id, Day(1, 1), Day(1, 1));
        var stoutNew = await KegAsync(host, staff, stout.Id, Day(2, 1), Day(2, 1));
        var noReceiptOldest = await KegAsync(host, staff, pils.Id, null, Day(1, 2));
        var tieCreatedLater = await KegAsync(host, staff, pils.Id, Day(1, 3), Day(1, 3));
        var tieCreatedEarlier = await KegAsync(host, staff, pils.Id, Day(1, 3), Day(1, 2));
        var fullTieB = await KegAsync(host, staff, pils.Id, Day(1, 4), Day(1, 4), Guid.Parse("bbbbbbbb-0000-0000-0000-000000000001"));
        var fullTieA = await KegAsync(host, staff, pils.Id, Day(1, 4), Day(1, 4), Guid.Parse("aaaaaaaa-0000-0000-0000-000000000001"));
        var noReceiptMiddle = await KegAsync(host, staff, pils.Id, null, Day(1, 5));
        var newest = await KegAsync(host, staff, pils.Id, Day(1, 10), Day(1, 1));

        var suggestion = await HttpAssert.OkAsync<KegSuggestionDto>(await staff.GetAsync($"/api/taps/{tap.Id}/keg-suggestion"));
        Assert.Equal((pils.Id, "Pils"), (suggestion.BeerTypeId, suggestion.BeerName));
        Assert.Equal(noReceiptOldest, suggestion.Suggested!.Id);
        Assert.Equal(
            [tieCreatedEarlier, tieCreatedLater, fullTieA, fullTieB, noReceiptMiddle, newest, stoutOld, stoutNew],
            suggestion.Alternatives.Select(k => k.Id));
        Assert.DoesNotContain(suggestion.Alternatives, k => k.Id == onTap.Id);

        // The same data gives the same answer.
        var again = await HttpAssert.OkAsync<KegSuggestionDto>(await staff.GetAsync($"/api/taps/{tap.Id}/keg-suggestion"));
        Assert.Equal(suggestion.Alternatives.Select(k => k.Id).Prepend(suggestion.Suggested.Id), again.Alternatives.Select(k => k.Id).Prepend(again.Suggested!.Id));

        // Once the keg is gone the tap remembers its beer.
        await HttpAssert.OkAsync<KegDto>(await staff.PostAsync($"/api/kegs/{onTap.Id}/empty", new { }));
        var afterEmpty = await HttpAssert.OkAsync<KegSuggestionDto>(await staff.GetAsync($"/api/taps/{tap.Id}/keg-suggestion"));
        Assert.Equal((pils.Id, noReceiptOldest), (afterEmpty.BeerTypeId, afterEmpty.Suggested!.Id));

        // Staff take another keg: the connection is audited with the suggestion it ignored.
        var connected = await KegKit.ConnectAsync(staff, tap.Id, newest);
        Assert.False(connected.SuggestionFollowed);
        Assert.Equal(noReceiptOldest, connected.SuggestedKegId);
        var audit = (await host.AuditAsync("keg.connected")).Last();
        Assert.Equal(newest, audit.SubjectId);
        Assert.Equal(noReceiptOldest, audit.Details().GetProperty("suggestedKegId").GetGuid());
        Assert.False(audit.Details().GetProperty("suggestionFollowed").GetBoolean());
        Assert.Equal(tap.Id, audit.Details().GetProperty("tapId").GetGuid());

        // The next suggestion for that tap is unchanged: FIFO still points at the oldest keg left.
        var next = await HttpAssert.OkAsync<KegSuggestionDto>(await staff.GetAsync($"/api/taps/{tap.Id}/keg-suggestion"));
        Assert.Equal(noReceiptOldest, next.Suggested!.Id);
    }

    [Fact]
    public async Task A_tap_without_any_beer_yet_gets_no_suggestion_but_every_warehouse_keg_in_fifo_order()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        var ipa = await KegKit.CreateBeerAsync(manager, "IPA");
        var lager = await KegKit.CreateBeerAsync(manager, "Lager");
        var tap = await KegKit.CreateTapAsync(manager, "New tap");
        var later = await KegKit.ReceiveAsync(manager, ipa.Id, 20_000, Day(3, 2));
        var earlier = await KegKit.ReceiveAsync(manager, lager.Id, 20_000, Day(3, 1));

        var suggestion = await HttpAssert.OkAsync<KegSuggestionDto>(await manager.GetAsync($"/api/taps/{tap.Id}/keg-suggestion"));
        Assert.Null(suggestion.Suggested);
        Assert.Null(suggestion.BeerTypeId);
        Assert.Equal([earlier.Id, later.Id], suggestion.Alternatives.Select(k => k.Id));

        await HttpAssert.ProblemAsync(await manager.GetAsync($"/api/taps/{Guid.NewGuid()}/keg-suggestion"), HttpStatusCode.NotFound, "not_found");
        using var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/taps/{tap.Id}/keg-suggestion")).StatusCode);
    }
}
