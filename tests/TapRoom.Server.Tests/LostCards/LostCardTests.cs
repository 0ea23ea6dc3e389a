using System.Net;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Tests.Infrastructure;
using TapRoom.Server.Tests.Kegs;

namespace TapRoom.Server.Tests.LostCards;

public sealed class LostCardTests
{
    private sealed record Arranged(Guid GuestId, Guid CardId, Guid? VisitId);

    /// <summary>A guest with a card, and an active visit on it when asked (the desk's work, arranged in the database).</summary>
    private static Task<Arranged> GuestWithCardAsync(TapRoomHost host, string uid, bool activeVisit) => host.DbAsync(async db =>
    {
        var now = host.Time.GetUtcNow().UtcDateTime;
        var guest = new Guest { Id = Guid.NewGuid(), Name = "Lena", DateOfBirth = new DateOnly(1990, 5, 1), CreatedAt = now };
        var card = new Card { Id = Guid.NewGuid(), Uid = uid, GuestId = guest.Id, Status = activeVisit ? CardStatus.Active : CardStatus.Inactive, CreatedAt = now };
        db.Guests.Add(guest);
        db.Cards.Add(card);
        Visit? visit = null;
        if (activeVisit)
        {
            visit = new Visit
            {
                Id = Guid.NewGuid(), LocationId = (await db.Locations.FirstAsync()).Id, GuestId = guest.Id, CardId = card.Id,
                OpenedAt = now, OpenedBy = "desk", VolumeLimitMl = 2000,
            };
            db.Visits.Add(visit);
            db.Ledger.Add(visit.Book(new LedgerEntry { Id = Guid.NewGuid(), VisitId = visit.Id, Kind = LedgerKind.TopUp, Amount = 25m, Actor = "desk", At = now }));
        }
        await db.SaveChangesAsync();
        return new Arranged(guest.Id, card.Id, visit?.Id);
    });

    [Fact]
    public async Task A_card_reported_lost_is_listed_blocks_its_uid_keeps_the_visit_going_and_is_cleared_by_a_manager_only()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        var a = await GuestWithCardAsync(host, "04A1B2C3D4E5F6", activeVisit: true);

        // The UID is normalised: lower case with separators is the same card.
        var reported = await HttpAssert.OkAsync<LostCardDto>(await staff.PostAsync("/api/cards/04:a1:b2:c3:d4:e5:f6/lost", new { reason = "Lost on the terrace" }));
        Assert.Equal(("04A1B2C3D4E5F6", a.CardId, a.GuestId, a.VisitId, "Lena", "Lost on the terrace"),
            (reported.Uid, reported.CardId, reported.GuestId, reported.VisitId, reported.GuestName, reported.Reason));
        Assert.Equal(host.Time.GetUtcNow().UtcDateTime, reported.ReportedAt);
        Assert.StartsWith("Test Staff", reported.ReportedBy);
        Assert.Null(reported.ClearedAt);

        var card = await host.DbAsync(db => db.Cards.AsNoTracking().SingleAsync(c => c.Id == a.CardId));
        Assert.Equal(CardStatus.Lost, card.Status);
        var visit = await host.DbAsync(db => db.Visits.AsNoTracking().SingleAsync(v => v.Id == a.VisitId));
        Assert.Equal((VisitStatus.Active, (Guid?)null), (visit.Status, visit.CardId));
        Assert.Equal(25m, (await host.DbAsync(db => db.Ledger.Where(e => e.VisitId == a.VisitId).Select(e => e.Amount).ToListAsync())).Sum());
        var reportAudit = Assert.Single(await host.AuditAsync("card.reported_lost"));
        Assert.Equal((a.CardId, reported.Id), (reportAudit.SubjectId!.Value, reportAudit.Details().GetProperty("lostCardId").GetGuid()));

        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/cards/04A1B2C3D4E5F6/lost", new { }), HttpStatusCode.Conflict, "card_already_lost");
        Assert.Equal(1, await host.DbAsync(db => db.LostCards.CountAsync()));

        var open = await HttpAssert.OkAsync<List<LostCardDto>>(await staff.GetAsync("/api/lost-cards?open=true"));
        Assert.Equal([reported.Id], open.Select(l => l.Id));

        // Clearing is a manager's decision, with a comment.
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/lost-cards/{reported.Id}/clear", new { comment = "Found it" }), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await manager.PostAsync($"/api/lost-cards/{reported.Id}/clear", new { comment = "" }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsync($"/api/lost-cards/{Guid.NewGuid()}/clear", new { comment = "x" }), HttpStatusCode.NotFound, "not_found");
        Assert.True(await host.DbAsync(db => db.LostCards.AnyAsync(l => l.ClearedAt == null)));
        Assert.Equal(CardStatus.Lost, (await host.DbAsync(db => db.Cards.AsNoTracking().SingleAsync(c => c.Id == a.CardId))).Status);

        host.Time.Advance(TimeSpan.FromHours(2));
        var cleared = await HttpAssert.OkAsync<LostCardDto>(await manager.PostAsync($"/api/lost-cards/{reported.Id}/clear", new { comment = "Found under a table, back in the desk stock" }));
        Assert.Equal(host.Time.GetUtcNow().UtcDateTime, cleared.ClearedAt);
        Assert.StartsWith("Test Manager", cleared.ClearedBy);
        card = await host.DbAsync(db => db.Cards.AsNoTracking().SingleAsync(c => c.Id == a.CardId));
        Assert.Equal((CardStatus.Inactive, (Guid?)null), (card.Status, card.GuestId));
        await HttpAssert.ProblemAsync(await manager.PostAsync($"/api/lost-cards/{reported.Id}/clear", new { comment = "again" }), HttpStatusCode.Conflict, "lost_card_already_cleared");

        Assert.Empty(await HttpAssert.OkAsync<List<LostCardDto>>(await staff.GetAsync("/api/lost-cards?open=true")));
        Assert.Equal([reported.Id], (await HttpAssert.OkAsync<List<LostCardDto>>(await staff.GetAsync("/api/lost-cards?open=false"))).Select(l => l.Id));
        var clearAudit = Assert.Single(await host.AuditAsync("lost_card.cleared"));
        Assert.Equal("Found under a table, back in the desk stock", clearAudit.Details().GetProperty("comment").GetString());
        Assert.StartsWith("Test Manager", clearAudit.ActorName);

        // Once cleared, the same card can be reported again (a new entry).
        var again = await HttpAssert.OkAsync<LostCardDto>(await staff.PostAsync("/api/cards/04A1B2C3D4E5F6/lost", new { }));
        Assert.NotEqual(reported.Id, again.Id);
        Assert.Null(again.VisitId);
        Assert.Equal(2, (await HttpAssert.OkAsync<List<LostCardDto>>(await staff.GetAsync("/api/lost-cards"))).Count);
    }

    [Fact]
    public async Task Bad_uids_unknown_cards_and_anonymous_callers_are_refused_and_change_nothing()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        using var anonymous = host.CreateClient();
        var a = await GuestWithCardAsync(host, "A1B2C3D4", activeVisit: false);

        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/cards/not-a-uid/lost", new { }), HttpStatusCode.BadRequest, "invalid_card_uid");
        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/cards/A1B2C3/lost", new { }), HttpStatusCode.BadRequest, "invalid_card_uid");
        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/cards/FFFFFFFF/lost", new { }), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/cards/A1B2C3D4/lost", new { reason = new string('x', 501) }), HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/cards/A1B2C3D4/lost", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/lost-cards")).StatusCode);
        Assert.False(await host.DbAsync(db => db.LostCards.AnyAsync()));
        Assert.Equal(CardStatus.Inactive, (await host.DbAsync(db => db.Cards.AsNoTracking().SingleAsync(c => c.Id == a.CardId))).Status);
        Assert.False(await host.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == "card.reported_lost")));

        // A card without a visit can be reported lost too; it stays bound to its guest until cleared.
        var reported = await HttpAssert.OkAsync<LostCardDto>(await staff.PostAsync("/api/cards/a1b2c3d4/lost", new { }));
        Assert.Equal((a.GuestId, (Guid?)null), (reported.GuestId, reported.VisitId));
    }
}
