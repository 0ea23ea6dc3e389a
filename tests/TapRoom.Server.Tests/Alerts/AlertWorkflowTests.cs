using System.Net;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Infrastructure;
using TapRoom.Server.Tests.Kegs;

namespace TapRoom.Server.Tests.Alerts;

public sealed class AlertWorkflowTests
{
    /// <summary>Raises through the real AlertRaiser in one unit of work, as a handler does.</summary>
    private static async Task<Alert?> RaiseAsync(TapRoomHost host, string type, AlertSeverity severity, string subjectType, Guid subjectId, string message = "Something happened")
    {
        using var scope = host.Services.CreateScope();
        var alert = await scope.ServiceProvider.GetRequiredService<AlertRaiser>().RaiseAsync(type, severity, subjectType, subjectId, message, CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<TapRoomDbContext>().SaveChangesAsync();
        return alert;
    }

    private static Task<Alert> AlertAsync(TapRoomHost host, Guid id) => host.DbAsync(db => db.Alerts.AsNoTracking().SingleAsync(a => a.Id == id));

    [Fact]
    public async Task Acknowledge_and_resolve_go_to_the_right_roles_only_and_keep_who_and_the_comment()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var anonymous = host.CreateClient();
        var critical = (await RaiseAsync(host, AlertTypes.LostCardAttempt, AlertSeverity.Critical, "tap", Guid.NewGuid(), "Lost card 04A1B2C3 at tap 1"))!;
        var warning = (await RaiseAsync(host, AlertTypes.LockTimeout, AlertSeverity.Warning, "visit", Guid.NewGuid()))!;

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/api/alerts/{critical.Id}/acknowledge", new { comment = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/api/alerts/{critical.Id}/resolve", new { comment = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/alerts")).StatusCode);
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/alerts/{critical.Id}/acknowledge", new { comment = " " }), HttpStatusCode.BadRequest, "comment_required");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/alerts/{Guid.NewGuid()}/acknowledge", new { comment = "x" }), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(AlertStatus.Open, (await AlertAsync(host, critical.Id)).Status);

        var acknowledged = await HttpAssert.OkAsync<AlertDto>(await staff.PostAsync($"/api/alerts/{critical.Id}/acknowledge", new { comment = "Guest is at the desk" }));
        Assert.Equal((AlertStatus.Acknowledged, "Guest is at the desk", host.Time.GetUtcNow().UtcDateTime), (acknowledged.Status, acknowledged.AcknowledgeComment, acknowledged.AcknowledgedAt));
        Assert.StartsWith("Test Staff", acknowledged.AcknowledgedBy);
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/alerts/{critical.Id}/acknowledge", new { comment = "again" }), HttpStatusCode.Conflict, "alert_already_acknowledged");

        // Staff cannot resolve a critical alert; a manager must, with a comment.
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/alerts/{critical.Id}/resolve", new { comment = "Done" }), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await manager.PostAsync($"/api/alerts/{critical.Id}/resolve", new { comment = "" }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsync($"/api/alerts/{critical.Id}/resolve", new { }), HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(AlertStatus.Acknowledged, (await AlertAsync(host, critical.Id)).Status);

        host.Time.Advance(TimeSpan.FromMinutes(3));
        var resolved = await HttpAssert.OkAsync<AlertDto>(await manager.PostAsync($"/api/alerts/{critical.Id}/resolve", new { comment = "Card confiscated, guest has a new one" }));
        Assert.Equal((AlertStatus.Resolved, "Card confiscated, guest has a new one", "Guest is at the desk"), (resolved.Status, resolved.ResolveComment, resolved.AcknowledgeComment));
        Assert.StartsWith("Test Manager", resolved.ResolvedBy);
        await HttpAssert.ProblemAsync(await manager.PostAsync($"/api/alerts/{critical.Id}/resolve", new { comment = "again" }), HttpStatusCode.Conflict, "alert_already_resolved");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/alerts/{critical.Id}/acknowledge", new { comment = "late" }), HttpStatusCode.Conflict, "alert_already_resolved");

        // A warning: staff may resolve it straight away, but never without a comment.
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/alerts/{warning.Id}/resolve", new { comment = "  " }), HttpStatusCode.BadRequest, "validation_failed");
        var warningResolved = await HttpAssert.OkAsync<AlertDto>(await staff.PostAsync($"/api/alerts/{warning.Id}/resolve", new { comment = "Pour synced" }));
        Assert.Equal((AlertStatus.Resolved, "Pour synced"), (warningResolved.Status, warningResolved.ResolveComment));

        var audit = await host.DbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Action == "alert.acknowledged" || e.Action == "alert.resolved").OrderBy(e => e.Id).ToListAsync());
        Assert.Equal(["alert.acknowledged", "alert.resolved", "alert.resolved"], audit.Select(e => e.Action));
        Assert.Equal(["Guest is at the desk", "Card confiscated, guest has a new one", "Pour synced"], audit.Select(e => e.Details().GetProperty("comment").GetString()));
        Assert.Contains(await host.AuditAsync("resolve_alert.rejected"), e => e.DetailsJson.Contains("forbidden") && e.ActorName.StartsWith("Test Staff"));
    }

    [Fact]
    public async Task The_list_filters_by_state_and_severity_newest_first()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var oldWarning = (await RaiseAsync(host, AlertTypes.LockTimeout, AlertSeverity.Warning, "visit", Guid.NewGuid()))!;
        host.Time.Advance(TimeSpan.FromMinutes(1));
        var critical = (await RaiseAsync(host, AlertTypes.ControllerOffline, AlertSeverity.Critical, "controller", Guid.NewGuid()))!;
        host.Time.Advance(TimeSpan.FromMinutes(1));
        var newWarning = (await RaiseAsync(host, AlertTypes.PosDeadLetter, AlertSeverity.Warning, "pos", Guid.NewGuid()))!;
        await HttpAssert.OkAsync<AlertDto>(await staff.PostAsync($"/api/alerts/{oldWarning.Id}/resolve", new { comment = "ok" }));
        await HttpAssert.OkAsync<AlertDto>(await staff.PostAsync($"/api/alerts/{critical.Id}/acknowledge", new { comment = "on it" }));

        async Task<List<Guid>> ListAsync(string query) =>
            (await HttpAssert.OkAsync<List<AlertDto>>(await staff.GetAsync("/api/alerts" + query))).Select(a => a.Id).ToList();
        Assert.Equal([newWarning.Id, critical.Id, oldWarning.Id], await ListAsync(""));
        Assert.Equal([newWarning.Id, critical.Id], await ListAsync("?status=unresolved"));
        Assert.Equal([newWarning.Id], await ListAsync("?status=open"));
        Assert.Equal([critical.Id], await ListAsync("?status=acknowledged"));
        Assert.Equal([oldWarning.Id], await ListAsync("?status=resolved"));
        Assert.Equal([newWarning.Id, oldWarning.Id], await ListAsync("?severity=warning"));
        Assert.Equal([newWarning.Id], await ListAsync("?status=unresolved&severity=warning"));
        await HttpAssert.ProblemAsync(await staff.GetAsync("/api/alerts?status=closed"), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await staff.GetAsync("/api/alerts?severity=fatal"), HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_manager_mute_suppresses_repeats_for_one_type_and_subject_until_it_runs_out_and_shows_as_muted()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        var tapId = Guid.NewGuid();
        var otherTap = Guid.NewGuid();
        var alert = (await RaiseAsync(host, AlertTypes.FlowWithoutPour, AlertSeverity.Warning, "tap", tapId))!;
        await RaiseAsync(host, AlertTypes.FlowWithoutPour, AlertSeverity.Warning, "tap", otherTap);

        var body = new { type = AlertTypes.FlowWithoutPour, subjectType = "tap", subjectId = tapId, minutes = 30, comment = "Technician is replacing the valve" };
        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/alerts/mute", body), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/alerts/mute", body with { minutes = 24 * 60 + 1 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/alerts/mute", body with { minutes = 0 }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/alerts/mute", body with { type = "made_up" }), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/alerts/mute", body with { comment = "" }), HttpStatusCode.BadRequest, "validation_failed");
        Assert.False(await host.DbAsync(db => db.AlertMutes.AnyAsync()));

        var mute = await HttpAssert.OkAsync<AlertMuteDto>(await manager.PostAsync("/api/alerts/mute", body));
        Assert.Equal(host.Time.GetUtcNow().UtcDateTime.AddMinutes(30), mute.Until);
        var muteAudit = Assert.Single(await host.AuditAsync("alert.muted"));
        Assert.Equal((tapId, "Technician is replacing the valve"), (muteAudit.SubjectId!.Value, muteAudit.Details().GetProperty("comment").GetString()));

        Assert.Null(await RaiseAsync(host, AlertTypes.FlowWithoutPour, AlertSeverity.Warning, "tap", tapId));
        Assert.Equal(1, (await AlertAsync(host, alert.Id)).OccurrenceCount);
        var other = Assert.Single(await host.DbAsync(db => db.Alerts.Where(a => a.SubjectId == otherTap).ToListAsync()));
        Assert.NotNull(await RaiseAsync(host, AlertTypes.FlowWithoutPour, AlertSeverity.Warning, "tap", otherTap));
        Assert.Equal(2, (await AlertAsync(host, other.Id)).OccurrenceCount);

        var listed = await HttpAssert.OkAsync<List<AlertDto>>(await staff.GetAsync("/api/alerts?status=open"));
        Assert.True(listed.Single(a => a.Id == alert.Id).Muted);
        Assert.False(listed.Single(a => a.Id == other.Id).Muted);

        host.Time.Advance(TimeSpan.FromMinutes(31));
        Assert.NotNull(await RaiseAsync(host, AlertTypes.FlowWithoutPour, AlertSeverity.Warning, "tap", tapId));
        Assert.Equal(2, (await AlertAsync(host, alert.Id)).OccurrenceCount);
        Assert.False((await HttpAssert.OkAsync<List<AlertDto>>(await staff.GetAsync("/api/alerts?status=open"))).Single(a => a.Id == alert.Id).Muted);
    }
}
