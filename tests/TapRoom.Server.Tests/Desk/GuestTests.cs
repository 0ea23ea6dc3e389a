using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Desk;

public sealed class GuestTests(DeskHostFixture fx) : IClassFixture<DeskHostFixture>
{
    private HttpClient Staff => fx.Staff;
    private TapRoomHost Host => fx.Host;

    [Fact]
    public async Task A_guest_is_created_edited_and_shown_with_cards_and_visits()
    {
        var created = await Staff.CreateGuestAsync(name: "  Ada Lovelace ", dateOfBirth: new DateOnly(1985, 12, 10), phone: "+49 151 2345-678");
        Assert.Equal(("Ada Lovelace", "+49 151 2345-678", GuestStatus.Active, 40), (created.Name, created.Phone, created.Status, created.Age));

        var edited = await HttpAssert.OkAsync<GuestDto>(await Staff.PutAsJsonAsync($"/api/guests/{created.Id}",
            new { name = "Ada King", phone = (string?)null, email = "ada@example.org", dateOfBirth = new DateOnly(1985, 12, 10) }, TapRoomHost.Json));
        Assert.Equal(("Ada King", (string?)null, "ada@example.org"), (edited.Name, edited.Phone, edited.Email));

        var opened = await Staff.OpenOkAsync(created.Id, DeskApi.NewUid());
        var detail = await HttpAssert.OkAsync<GuestDetailDto>(await Staff.GetAsync($"/api/guests/{created.Id}"));
        Assert.Equal(opened.VisitId, detail.Guest.ActiveVisitId);
        Assert.Equal((opened.CardUid, CardStatus.Active), (Assert.Single(detail.Cards).Uid, detail.Cards[0].Status));
        Assert.Equal(opened.VisitId, Assert.Single(detail.Visits).Id);

        var audit = await Host.DbAsync(db => db.AuditEvents.Where(e => e.SubjectId == created.Id).Select(e => e.Action).ToListAsync());
        Assert.Contains("guest.created", audit);
        Assert.Contains("guest.updated", audit);
        await HttpAssert.ProblemAsync(await Staff.GetAsync($"/api/guests/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await Staff.PutAsJsonAsync($"/api/guests/{Guid.NewGuid()}", new { name = "X", dateOfBirth = "1990-01-01" }, TapRoomHost.Json),
            HttpStatusCode.NotFound, "not_found");
    }

    public static TheoryData<string, string> BadGuests => new()
    {
        { """{ "dateOfBirth": "1990-01-01" }""", "name" },
        { """{ "name": "   ", "dateOfBirth": "1990-01-01" }""", "name" },
        { """{ "name": "No Birthday" }""", "dateOfBirth" },
        { """{ "name": "From The Future", "dateOfBirth": "2030-01-01" }""", "dateOfBirth" },
        { """{ "name": "Too Old", "dateOfBirth": "1850-01-01" }""", "dateOfBirth" },
        { """{ "name": "Bad Mail", "email": "not-an-email", "dateOfBirth": "1990-01-01" }""", "email" },
        { """{ "name": "Bad Phone", "phone": "call me", "dateOfBirth": "1990-01-01" }""", "phone" },
    };

    [Theory]
    [MemberData(nameof(BadGuests))]
    public async Task A_guest_with_bad_fields_is_refused_by_field(string body, string field)
    {
        var before = await Host.DbAsync(db => db.Guests.CountAsync());
        var response = await Staff.PostAsync("/api/guests", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(before, await Host.DbAsync(db => db.Guests.CountAsync()));
    }

    [Fact]
    public async Task A_date_of_birth_is_judged_against_the_day_the_guest_is_entered_not_the_day_the_server_started()
    {
        // Validators are built once (singletons): "today" must be read per request. Its own host, so its clock can move.
        await using var host = await TapRoomHost.StartAsync();
        var inThreeDays = DateOnly.FromDateTime(host.Time.GetUtcNow().UtcDateTime).AddDays(3);
        async Task<HttpResponseMessage> CreateAsync()
        {
            using var staff = await host.SignInAsAsync(StaffRole.Staff); // a fresh session: five days outlive one
            return await staff.PostAsJsonAsync("/api/guests", new { name = "Born Soon", dateOfBirth = inThreeDays }, TapRoomHost.Json);
        }

        await HttpAssert.ProblemAsync(await CreateAsync(), HttpStatusCode.BadRequest, "validation_failed");
        host.Time.Advance(TimeSpan.FromDays(5));
        var created = await CreateAsync();
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Guests_are_found_by_part_of_the_name_the_phone_or_a_card_uid()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var phoneDigits = Random.Shared.Next(1000000, 9999999).ToString();
        var ada = await Staff.CreateGuestAsync(name: $"Ada {tag} Byron", phone: $"+49 {phoneDigits[..3]} {phoneDigits[3..]}");
        var bob = await Staff.CreateGuestAsync(name: $"Bob {tag}");
        var uid = DeskApi.NewUid(7);
        await Staff.OpenOkAsync(bob.Id, uid);

        async Task<List<Guid>> Search(string s) =>
            (await HttpAssert.OkAsync<List<GuestDto>>(await Staff.GetAsync($"/api/guests?search={Uri.EscapeDataString(s)}"))).Select(g => g.Id).ToList();

        Assert.Equal([ada.Id, bob.Id], await Search(tag.ToUpperInvariant()));
        Assert.Equal([ada.Id], await Search($"ada {tag}"));
        Assert.Equal([ada.Id], await Search(phoneDigits));
        Assert.Equal([bob.Id], await Search(string.Join(':', Enumerable.Range(0, 7).Select(i => uid.Substring(i * 2, 2)))));
        Assert.Empty(await Search("%"));
        Assert.Contains(ada.Id, await Search(""));
    }

    [Fact]
    public async Task Blocking_and_unblocking_are_audited_with_the_comment_and_refused_when_already_so()
    {
        var guest = await Staff.CreateGuestAsync();
        var blocked = await HttpAssert.OkAsync<GuestDto>(await Staff.PostAsJsonAsync($"/api/guests/{guest.Id}/block", new { comment = "too loud" }, TapRoomHost.Json));
        Assert.Equal(GuestStatus.Blocked, blocked.Status);
        await HttpAssert.ProblemAsync(await Staff.PostAsync($"/api/guests/{guest.Id}/block", null), HttpStatusCode.Conflict, "guest_already_blocked");
        await HttpAssert.ProblemAsync(await Staff.OpenAsync(guest.Id, DeskApi.NewUid()), HttpStatusCode.Conflict, "guest_blocked");

        var unblocked = await HttpAssert.OkAsync<GuestDto>(await Staff.PostAsync($"/api/guests/{guest.Id}/unblock", null));
        Assert.Equal(GuestStatus.Active, unblocked.Status);
        await HttpAssert.ProblemAsync(await Staff.PostAsync($"/api/guests/{guest.Id}/unblock", null), HttpStatusCode.Conflict, "guest_not_blocked");
        await Staff.OpenOkAsync(guest.Id, DeskApi.NewUid());

        var block = await Host.DbAsync(db => db.AuditEvents.SingleAsync(e => e.Action == "guest.blocked" && e.SubjectId == guest.Id));
        Assert.Equal("too loud", JsonDocument.Parse(block.DetailsJson).RootElement.GetProperty("comment").GetString());
        Assert.Equal(1, await Host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "guest.unblocked" && e.SubjectId == guest.Id)));
    }
}
