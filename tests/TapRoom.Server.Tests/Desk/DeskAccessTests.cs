using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Desk;

/// <summary>Roles on every desk route, and the audit trail query (manager).</summary>
public sealed class DeskAccessTests(DeskHostFixture fx) : IClassFixture<DeskHostFixture>
{
    private TapRoomHost Host => fx.Host;

    public static TheoryData<string, string> DeskRoutes => new()
    {
        { "GET", "/api/guests?search=a" },
        { "POST", "/api/guests" },
        { "GET", $"/api/guests/{Guid.Empty}" },
        { "PUT", $"/api/guests/{Guid.Empty}" },
        { "POST", $"/api/guests/{Guid.Empty}/block" },
        { "POST", $"/api/guests/{Guid.Empty}/unblock" },
        { "POST", "/api/visits/open-and-assign-card" },
        { "GET", "/api/visits?status=active" },
        { "GET", $"/api/visits/{Guid.Empty}" },
        { "POST", $"/api/visits/{Guid.Empty}/top-up" },
        { "POST", $"/api/visits/{Guid.Empty}/refund" },
        { "POST", $"/api/visits/{Guid.Empty}/close" },
        { "POST", $"/api/visits/{Guid.Empty}/raise-limit" },
        { "GET", "/api/audit" },
    };

    [Theory]
    [MemberData(nameof(DeskRoutes))]
    public async Task Anonymous_callers_are_refused(string method, string path)
    {
        using var anonymous = Host.CreateClient();
        var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) });
        await HttpAssert.ProblemAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task Staff_may_not_read_the_audit_trail_but_a_manager_may()
    {
        await HttpAssert.ProblemAsync(await fx.Staff.GetAsync("/api/audit"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await fx.Manager.GetAsync("/api/audit")).StatusCode);
    }

    [Fact]
    public async Task The_audit_trail_filters_by_subject_action_and_time_newest_first()
    {
        var (guest, opened) = await fx.Staff.GuestWithVisitAsync();
        var beforeTopUps = Host.Time.GetUtcNow().UtcDateTime;
        Host.Time.Advance(TimeSpan.FromMinutes(1));
        await HttpAssert.OkAsync<MoneyMovementResult>(await fx.Staff.TopUpAsync(opened.VisitId, 10m));
        Host.Time.Advance(TimeSpan.FromMinutes(1));
        await HttpAssert.OkAsync<MoneyMovementResult>(await fx.Staff.TopUpAsync(opened.VisitId, 20m));
        await HttpAssert.ProblemAsync(await fx.Staff.RefundAsync(opened.VisitId, 500m), HttpStatusCode.Conflict, "insufficient_balance");

        async Task<List<AuditEventDto>> Audit(string query) =>
            await HttpAssert.OkAsync<List<AuditEventDto>>(await fx.Manager.GetAsync("/api/audit?" + query));

        var visitEvents = await Audit($"subject=visit&subjectId={opened.VisitId}");
        Assert.Equal(["refund_visit.rejected", "visit.topped_up", "visit.topped_up", "visit.opened"], visitEvents.Select(e => e.Action));
        Assert.Equal(visitEvents.Select(e => e.Id).OrderDescending(), visitEvents.Select(e => e.Id));
        Assert.Equal("insufficient_balance", visitEvents[0].Details.GetProperty("code").GetString());
        Assert.Equal(("staff", "Test Staff"), (visitEvents[1].ActorType, visitEvents[1].ActorName));
        Assert.Equal(20m, visitEvents[1].Details.GetProperty("amount").GetDecimal());

        var topUps = await Audit($"action=visit.topped_up&subjectId={opened.VisitId}");
        Assert.Equal(2, topUps.Count);
        var since = await Audit($"subjectId={opened.VisitId}&from={Uri.EscapeDataString(beforeTopUps.AddSeconds(90).ToString("O"))}");
        Assert.Equal(["refund_visit.rejected", "visit.topped_up"], since.Select(e => e.Action));
        var until = await Audit($"subjectId={opened.VisitId}&to={Uri.EscapeDataString(beforeTopUps.AddSeconds(1).ToString("O"))}");
        Assert.Equal(["visit.opened"], until.Select(e => e.Action));
        var prefixed = await Audit($"action=visit.*&subjectId={opened.VisitId}&limit=2");
        Assert.Equal(["visit.topped_up", "visit.topped_up"], prefixed.Select(e => e.Action));
        Assert.Contains(await Audit($"subject=guest&subjectId={guest.Id}"), e => e.Action == "guest.created");

        await HttpAssert.ProblemAsync(await fx.Manager.GetAsync("/api/audit?limit=1001"), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await fx.Manager.GetAsync("/api/audit?limit=0"), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await fx.Manager.GetAsync("/api/audit?from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z"), HttpStatusCode.BadRequest, "validation_failed");
        Assert.True((await Audit("")).Count <= 200);
    }
}
