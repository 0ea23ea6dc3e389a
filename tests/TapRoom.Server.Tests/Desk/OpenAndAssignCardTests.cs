using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Desk;

/// <summary>"Open visit and issue card" (M3.6) and rule 1, through the real server under real parallel requests.</summary>
public sealed class OpenAndAssignCardTests(DeskHostFixture fx) : IClassFixture<DeskHostFixture>
{
    private HttpClient Staff => fx.Staff;
    private TapRoomHost Host => fx.Host;

    [Fact]
    public async Task Twenty_parallel_calls_with_one_key_open_one_visit_and_all_answer_the_same()
    {
        var guest = await Staff.CreateGuestAsync();
        var uid = DeskApi.NewUid();
        var key = DeskApi.NewKey();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Staff.OpenAsync(guest.Id, uid, key)));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(bodies.Distinct());
        var result = JsonSerializer.Deserialize<OpenAndAssignCardResult>(bodies[0], TapRoomHost.Json)!;
        Assert.Equal(IssueCardStage.Bound, result.Stage);
        Assert.Equal([IssueCardStage.Bound, IssueCardStage.Assigned], result.Steps);
        Assert.True(result.VisitOpened);
        Assert.Equal(1, await Host.DbAsync(db => db.Visits.CountAsync(v => v.GuestId == guest.Id)));
        Assert.Equal(1, await Host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "visit.opened" && e.SubjectId == result.VisitId)));

        // A later retry, even with the UID in another reader format, is the same request and gets the first answer.
        var retry = await Staff.OpenAsync(guest.Id, string.Join(':', Enumerable.Range(0, 4).Select(i => uid.Substring(i * 2, 2).ToLowerInvariant())), key);
        Assert.Equal(bodies[0], await retry.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Parallel_calls_with_different_keys_for_one_guest_open_exactly_one_visit()
    {
        var guest = await Staff.CreateGuestAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Staff.OpenAsync(guest.Id, DeskApi.NewUid())));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            await HttpAssert.ProblemAsync(refused, HttpStatusCode.Conflict, "guest_has_active_visit");
        Assert.Equal(1, await Host.DbAsync(db => db.Visits.CountAsync(v => v.GuestId == guest.Id)));
        Assert.Equal(1, await Host.DbAsync(db => db.Cards.CountAsync(c => c.GuestId == guest.Id)));
        Assert.Equal(7, await Host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "open_and_assign_card.rejected" && e.SubjectId == guest.Id)));
    }

    [Fact]
    public async Task One_card_for_two_guests_at_once_goes_to_exactly_one()
    {
        var uid = DeskApi.NewUid(7);
        var guests = await Task.WhenAll(Staff.CreateGuestAsync(), Staff.CreateGuestAsync());
        var responses = await Task.WhenAll(guests.Select(g => Staff.OpenAsync(g.Id, uid)));

        var winner = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        var loser = responses.Single(r => r != winner);
        await HttpAssert.ProblemAsync(loser, HttpStatusCode.Conflict, "card_in_active_visit");
        var visits = await Host.DbAsync(db => db.Visits.Where(v => v.Card!.Uid == uid).ToListAsync());
        var visit = Assert.Single(visits);
        Assert.Equal(visit.GuestId, (await HttpAssert.OkAsync<OpenAndAssignCardResult>(winner)).GuestId);
    }

    [Fact]
    public async Task The_same_key_for_another_request_is_refused_and_opens_nothing()
    {
        var (guest, first) = await Staff.GuestWithVisitAsync();
        var other = await Staff.CreateGuestAsync();
        var key = DeskApi.NewKey();
        await Staff.OpenOkAsync(other.Id, DeskApi.NewUid(), key);

        await HttpAssert.ProblemAsync(await Staff.OpenAsync(other.Id, DeskApi.NewUid(), key), HttpStatusCode.Conflict, "idempotency_key_reused");
        Assert.Equal(1, await Host.DbAsync(db => db.Visits.CountAsync(v => v.GuestId == other.Id)));
        Assert.Equal(first.VisitId, Assert.Single(await Host.DbAsync(db => db.Visits.Where(v => v.GuestId == guest.Id).Select(v => v.Id).ToListAsync())));
    }

    [Fact]
    public async Task A_card_already_bound_to_the_guest_is_already_bound_and_the_policy_limit_applies()
    {
        var guest = await Staff.CreateGuestAsync();
        var uid = DeskApi.NewUid(10);
        await Host.DbAsync(async db =>
        {
            db.Cards.Add(new Card { Id = Guid.NewGuid(), Uid = uid, GuestId = guest.Id, Status = CardStatus.Inactive, CreatedAt = Host.Time.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync();
        });

        var result = await Staff.OpenOkAsync(guest.Id, uid.ToLowerInvariant());
        Assert.Equal(IssueCardStage.AlreadyBound, result.Stage);
        Assert.Equal([IssueCardStage.AlreadyBound, IssueCardStage.Assigned], result.Steps);
        Assert.Equal(uid, result.CardUid);
        Assert.Equal(2000, result.VolumeLimitMl);
        Assert.False(result.IsMinor);
        var card = await Host.DbAsync(db => db.Cards.SingleAsync(c => c.Uid == uid));
        Assert.Equal(CardStatus.Active, card.Status);
        Assert.Equal(0, await Host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "card.bound" && e.SubjectId == card.Id)));
    }

    [Fact]
    public async Task A_guest_under_the_legal_age_gets_a_visit_flagged_minor()
    {
        var today = DateOnly.FromDateTime(Host.Time.GetUtcNow().UtcDateTime);
        var minor = await Staff.CreateGuestAsync(dateOfBirth: today.AddYears(-18).AddDays(2));
        var adult = await Staff.CreateGuestAsync(dateOfBirth: today.AddYears(-18).AddDays(-2));
        Assert.True(minor.IsMinor);
        Assert.False(adult.IsMinor);

        var minorVisit = await Staff.OpenOkAsync(minor.Id, DeskApi.NewUid());
        var adultVisit = await Staff.OpenOkAsync(adult.Id, DeskApi.NewUid());

        Assert.True(minorVisit.IsMinor);
        Assert.False(adultVisit.IsMinor);
        Assert.True((await Staff.VisitAsync(minorVisit.VisitId)).Visit.IsMinor);
    }

    [Fact]
    public async Task An_active_visit_without_a_card_gets_the_new_card_assigned_instead_of_a_second_visit()
    {
        var (guest, first) = await Staff.GuestWithVisitAsync();
        await Host.DbAsync(async db =>
        {
            var visit = await db.Visits.SingleAsync(v => v.Id == first.VisitId);
            visit.CardId = null;
            await db.SaveChangesAsync();
        });

        var uid = DeskApi.NewUid();
        var result = await Staff.OpenOkAsync(guest.Id, uid);

        Assert.Equal(first.VisitId, result.VisitId);
        Assert.False(result.VisitOpened);
        Assert.Equal([IssueCardStage.Bound, IssueCardStage.Assigned], result.Steps);
        Assert.Equal(uid, (await Staff.VisitAsync(first.VisitId)).Visit.CardUid);
        Assert.Equal(1, await Host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "visit.card_assigned" && e.SubjectId == first.VisitId)));
    }

    [Fact]
    public async Task Each_conflict_is_refused_with_its_code_audited_and_nothing_applied()
    {
        var (holder, holderVisit) = await Staff.GuestWithVisitAsync();
        var fresh = await Staff.CreateGuestAsync();

        // guest_has_active_visit
        await HttpAssert.ProblemAsync(await Staff.OpenAsync(holder.Id, DeskApi.NewUid()), HttpStatusCode.Conflict, "guest_has_active_visit");
        // card_in_active_visit
        await HttpAssert.ProblemAsync(await Staff.OpenAsync(fresh.Id, holderVisit.CardUid), HttpStatusCode.Conflict, "card_in_active_visit");

        // card_bound_to_other_guest: bound to the holder, not in a visit
        var boundUid = DeskApi.NewUid();
        var lostUid = DeskApi.NewUid();
        var lostStatusUid = DeskApi.NewUid();
        await Host.DbAsync(async db =>
        {
            var now = Host.Time.GetUtcNow().UtcDateTime;
            db.Cards.Add(new Card { Id = Guid.NewGuid(), Uid = boundUid, GuestId = holder.Id, Status = CardStatus.Inactive, CreatedAt = now });
            db.Cards.Add(new Card { Id = Guid.NewGuid(), Uid = lostStatusUid, Status = CardStatus.Lost, CreatedAt = now });
            db.LostCards.Add(new LostCard { LocationId = db.Locations.OrderBy(l => l.CreatedAt).Select(l => l.Id).First(), Id = Guid.NewGuid(), Uid = lostUid, ReportedAt = now, ReportedBy = "test" });
            await db.SaveChangesAsync();
        });
        await HttpAssert.ProblemAsync(await Staff.OpenAsync(fresh.Id, boundUid), HttpStatusCode.Conflict, "card_bound_to_other_guest");
        // card_lost: an open lost-card report, or a card whose status is lost
        await HttpAssert.ProblemAsync(await Staff.OpenAsync(fresh.Id, lostUid), HttpStatusCode.Conflict, "card_lost");
        await HttpAssert.ProblemAsync(await Staff.OpenAsync(fresh.Id, lostStatusUid), HttpStatusCode.Conflict, "card_lost");

        // guest_blocked
        var blocked = await Staff.CreateGuestAsync();
        Assert.Equal(HttpStatusCode.OK, (await Staff.PostAsync($"/api/guests/{blocked.Id}/block", null)).StatusCode);
        await HttpAssert.ProblemAsync(await Staff.OpenAsync(blocked.Id, DeskApi.NewUid()), HttpStatusCode.Conflict, "guest_blocked");

        // unknown guest, bad input
        await HttpAssert.ProblemAsync(await Staff.OpenAsync(Guid.NewGuid(), DeskApi.NewUid()), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await Staff.OpenAsync(fresh.Id, DeskApi.NewUid(), key: ""), HttpStatusCode.BadRequest, "validation_failed");

        Assert.Equal(0, await Host.DbAsync(db => db.Visits.CountAsync(v => v.GuestId == fresh.Id || v.GuestId == blocked.Id)));
        Assert.Equal(0, await Host.DbAsync(db => db.IdempotencyRecords.CountAsync(r => r.ResultJson.Contains(fresh.Id.ToString()))));
        var rejected = await Host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "open_and_assign_card.rejected" && e.SubjectId == fresh.Id)
            .Select(e => e.DetailsJson).ToListAsync());
        var codes = rejected.Select(d => JsonDocument.Parse(d).RootElement.GetProperty("code").GetString()).Order().ToList();
        Assert.Equal(["card_bound_to_other_guest", "card_in_active_visit", "card_lost", "card_lost"], codes);
        Assert.Equal(CardStatus.Inactive, await Host.DbAsync(db => db.Cards.Where(c => c.Uid == boundUid).Select(c => c.Status).SingleAsync()));
    }

    [Theory]
    [InlineData("04:a2:2b")]
    [InlineData("04:a2:2b:1c:5d")]
    [InlineData("04:a2:2b:1g")]
    [InlineData("xyz")]
    [InlineData("04a22b1c04a22b1c04a22b1c")]
    public async Task A_uid_that_is_not_4_7_or_10_bytes_of_hex_is_refused(string uid)
    {
        var guest = await Staff.CreateGuestAsync();
        await HttpAssert.ProblemAsync(await Staff.OpenAsync(guest.Id, uid), HttpStatusCode.BadRequest, "invalid_card_uid");
        Assert.Equal(0, await Host.DbAsync(db => db.Visits.CountAsync(v => v.GuestId == guest.Id)));
    }

    [Fact]
    public async Task Reader_formats_of_one_uid_are_the_same_card()
    {
        var prefix = DeskApi.NewUid(2);
        var colon = $"{prefix[..2].ToLowerInvariant()}:{prefix[2..].ToLowerInvariant()}:2b:1c";
        var plain = $"{prefix}2B1C";
        var spaced = $"{prefix[..2].ToLowerInvariant()} {prefix[2..].ToLowerInvariant()} 2b 1c";
        var guest = await Staff.CreateGuestAsync();
        var opened = await Staff.OpenOkAsync(guest.Id, colon);
        Assert.Equal(plain, opened.CardUid);

        foreach (var format in new[] { plain, spaced, colon })
        {
            var found = await HttpAssert.OkAsync<List<GuestDto>>(await Staff.GetAsync($"/api/guests?search={Uri.EscapeDataString(format)}"));
            Assert.Equal(guest.Id, Assert.Single(found).Id);
        }
        var other = await Staff.CreateGuestAsync();
        await HttpAssert.ProblemAsync(await Staff.OpenAsync(other.Id, spaced), HttpStatusCode.Conflict, "card_in_active_visit");
        Assert.Equal(1, await Host.DbAsync(db => db.Cards.CountAsync(c => c.Uid == plain)));
    }
}
