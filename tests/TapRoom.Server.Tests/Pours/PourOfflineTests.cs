using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Features.Pours;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Pours;

/// <summary>Lock timeouts, manual reconcile, force-unlock and the late record of a reconciled pour (rule 4).</summary>
public sealed class PourOfflineTests
{
    private static Task<TapStatus> TapStatusAsync(PourWorld world, TapRig tap) =>
        world.DbAsync(db => db.Taps.Where(t => t.Id == tap.TapId).Select(t => t.Status).SingleAsync());

    private static Task<List<decimal>> ChargesAsync(PourWorld world, GuestRig guest) =>
        world.DbAsync(db => db.Ledger.Where(e => e.VisitId == guest.VisitId && e.Kind == LedgerKind.PourCharge).Select(e => e.Amount).ToListAsync());

    [Fact]
    public async Task A_pour_without_progress_past_the_lock_timeout_puts_its_tap_into_processing_sync_with_one_warning_alert()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync();
        var (busyTap, _, busyClient) = await world.TapWithControllerAsync();
        var guest = await world.GuestAsync();
        var flowing = await world.GuestAsync();
        var allow = await client.Authorize(PourWorld.Present(tap, guest));
        var live = await busyClient.Authorize(PourWorld.Present(busyTap, flowing));

        world.Host.Time.Advance(TimeSpan.FromSeconds(100));
        await busyClient.PourProgress(new PourProgressMessage(live.PourSessionId!.Value, 200, world.Now));
        await PourWorld.EventuallyAsync(() => world.DbAsync(db => db.PourSessions.AnyAsync(p => p.Id == live.PourSessionId && p.LastProgressMl == 200)).Result, "progress stored");
        Assert.Empty((await world.Host.SendAsync(new SweepLockTimeouts.Command())).TimedOut);

        world.Host.Time.Advance(TimeSpan.FromSeconds(21));
        var swept = await world.Host.SendAsync(new SweepLockTimeouts.Command());
        Assert.Equal([allow.PourSessionId!.Value], swept.TimedOut);
        Assert.Equal(TapStatus.ProcessingSync, await TapStatusAsync(world, tap));
        Assert.Equal(TapStatus.Active, await TapStatusAsync(world, busyTap));
        var alert = await world.DbAsync(db => db.Alerts.SingleAsync(a => a.Type == AlertTypes.LockTimeout));
        Assert.Equal((AlertSeverity.Warning, "tap", tap.TapId), (alert.Severity, alert.SubjectType, alert.SubjectId));
        // The time in the message is the venue's (the seeded location is in Europe/Berlin), labelled, not UTC.
        var authorizedAt = await world.DbAsync(db => db.PourSessions.Where(p => p.Id == allow.PourSessionId).Select(p => p.AuthorizedAt).SingleAsync());
        var berlin = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(authorizedAt, DateTimeKind.Utc), TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        Assert.Contains($"since {berlin:HH:mm:ss} (Europe/Berlin)", alert.Message);
        Assert.NotNull(await world.DbAsync(db => db.PourSessions.Where(p => p.Id == allow.PourSessionId).Select(p => p.TimedOutAt).SingleAsync()));

        Assert.Empty((await world.Host.SendAsync(new SweepLockTimeouts.Command())).TimedOut);
        Assert.Equal(1, await world.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.PourTimedOut)));
        Assert.Equal(1, await world.DbAsync(db => db.Alerts.Where(a => a.Type == AlertTypes.LockTimeout).Select(a => a.OccurrenceCount).SingleAsync()));
        Assert.Equal(DenyReason.TapNotActive, (await client.Authorize(PourWorld.Present(tap, await world.GuestAsync()))).DenyReason);

        using var staff = await world.Host.SignInAsAsync(StaffRole.Staff);
        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync($"/api/taps/{tap.TapId}/status", new { status = "active" }, TapRoomHost.Json),
            HttpStatusCode.Conflict, "tap_has_pending_sync");
    }

    [Fact]
    public async Task A_manager_reconciles_a_timed_out_pour_once_and_the_late_record_within_tolerance_is_matched_without_a_second_charge()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync(pricePerLiter: 5m, kegMl: 10_000);
        var stops = new ConcurrentQueue<StopPourMessage>();
        client.StopPour += m => { stops.Enqueue(m); return Task.CompletedTask; };
        var guest = await world.GuestAsync(balance: 20m);
        var allow = await client.Authorize(PourWorld.Present(tap, guest));
        var sessionId = allow.PourSessionId!.Value;
        world.Host.Time.Advance(TimeSpan.FromSeconds(121));
        await world.Host.SendAsync(new SweepLockTimeouts.Command());

        var body = new { pourSessionId = sessionId, volumeMl = 400, comment = "controller died; glass measured" };
        using var staff = await world.Host.SignInAsAsync(StaffRole.Staff);
        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync($"/api/visits/{guest.VisitId}/reconcile-pour", body, TapRoomHost.Json), HttpStatusCode.Forbidden, "forbidden");
        using var manager = await world.Host.SignInAsAsync(StaffRole.Manager);
        await HttpAssert.ProblemAsync(await manager.PostAsJsonAsync($"/api/visits/{guest.VisitId}/reconcile-pour", body with { comment = "" }, TapRoomHost.Json),
            HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsJsonAsync($"/api/visits/{guest.VisitId}/reconcile-pour", body with { volumeMl = -5 }, TapRoomHost.Json),
            HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await manager.PostAsJsonAsync($"/api/visits/{Guid.NewGuid()}/reconcile-pour", body, TapRoomHost.Json),
            HttpStatusCode.NotFound, "not_found");
        Assert.Empty(await ChargesAsync(world, guest));

        var result = await HttpAssert.OkAsync<ReconcilePour.Result>(await manager.PostAsJsonAsync($"/api/visits/{guest.VisitId}/reconcile-pour", body, TapRoomHost.Json));
        Assert.Equal((400, 2.00m, 18.00m), (result.VolumeMl, result.ChargedAmount, result.Balance));
        await HttpAssert.ProblemAsync(await manager.PostAsJsonAsync($"/api/visits/{guest.VisitId}/reconcile-pour", body, TapRoomHost.Json),
            HttpStatusCode.Conflict, "pour_not_pending");

        var after = await world.DbAsync(async db => new
        {
            Session = await db.PourSessions.AsNoTracking().SingleAsync(p => p.Id == sessionId),
            Visit = await db.Visits.AsNoTracking().SingleAsync(v => v.Id == guest.VisitId),
            Keg = await db.Kegs.Where(k => k.Id == tap.KegId).Select(k => k.RemainingVolumeMl).SingleAsync(),
            Outbox = await db.PosOutbox.CountAsync(o => o.VisitId == guest.VisitId && o.Kind == PosOutboxKind.Pour),
            Audit = await db.AuditEvents.Where(e => e.Action == AuditActions.PourReconciled && e.SubjectId == sessionId).Select(e => e.ActorName).SingleAsync(),
        });
        Assert.Equal((SyncStatus.Reconciled, 400), (after.Session.SyncStatus, after.Session.VolumeMl));
        Assert.Null(after.Visit.ActiveTapId);
        Assert.Equal((9_600, 1, "Test Manager"), (after.Keg, after.Outbox, after.Audit));
        Assert.Equal(TapStatus.Active, await TapStatusAsync(world, tap));
        await PourWorld.EventuallyAsync(() => stops.Any(s => s.PourSessionId == sessionId), "StopPour after reconcile");

        // The controller's own record: 415 ml against 400 (tolerance max(20, 5 %) = 20).
        var late = await client.CompletePour(PourWorld.Completion(sessionId, tap, 415));
        Assert.Equal((CompletePourOutcome.LateSyncMatched, 2.00m), (late.Outcome, late.ChargedAmount));
        Assert.Equal(CompletePourOutcome.Duplicate, (await client.CompletePour(PourWorld.Completion(sessionId, tap, 415))).Outcome);
        Assert.Equal([-2.00m], await ChargesAsync(world, guest));
        Assert.Equal(9_600, await world.DbAsync(db => db.Kegs.Where(k => k.Id == tap.KegId).Select(k => k.RemainingVolumeMl).SingleAsync()));
        var matched = await world.DbAsync(db => db.PourSessions.AsNoTracking().SingleAsync(p => p.Id == sessionId));
        Assert.Equal((LateSyncOutcome.LateSyncMatched, 415), (matched.LateSyncOutcome, matched.LateSyncVolumeMl));
        Assert.False(await world.DbAsync(db => db.Alerts.AnyAsync(a => a.Type == AlertTypes.SyncMismatch)));
        Assert.True(await world.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.PourLateSyncMatched && e.SubjectId == sessionId)));
    }

    [Theory]
    [InlineData(450, AlertSeverity.Warning)]
    [InlineData(700, AlertSeverity.Critical)]
    public async Task A_late_record_outside_tolerance_is_a_mismatch_alerted_and_audited_and_never_charged_again(int reportedMl, AlertSeverity severity)
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync(pricePerLiter: 5m);
        var guest = await world.GuestAsync(balance: 20m);
        var allow = await client.Authorize(PourWorld.Present(tap, guest));
        using var manager = await world.Host.SignInAsAsync(StaffRole.Manager);
        await HttpAssert.OkAsync<ReconcilePour.Result>(await manager.PostAsJsonAsync($"/api/visits/{guest.VisitId}/reconcile-pour",
            new { pourSessionId = allow.PourSessionId, volumeMl = 400, comment = "estimated" }, TapRoomHost.Json));

        var late = await client.CompletePour(PourWorld.Completion(allow.PourSessionId!.Value, tap, reportedMl));
        Assert.Equal((CompletePourOutcome.LateSyncMismatch, 2.00m, (decimal?)18.00m), (late.Outcome, late.ChargedAmount, late.Balance));
        Assert.Equal([-2.00m], await ChargesAsync(world, guest));
        var alert = await world.DbAsync(db => db.Alerts.SingleAsync(a => a.Type == AlertTypes.SyncMismatch));
        Assert.Equal((severity, "visit", guest.VisitId), (alert.Severity, alert.SubjectType, alert.SubjectId));
        Assert.Contains($"{reportedMl} ml", alert.Message);
        var audit = await world.DbAsync(db => db.AuditEvents.SingleAsync(e => e.Action == AuditActions.PourLateSyncMismatch));
        Assert.Equal((allow.PourSessionId, "controller"), (audit.SubjectId, audit.ActorType));
        Assert.Contains($"\"differenceMl\":{reportedMl - 400}", audit.DetailsJson);
    }

    [Fact]
    public async Task A_manager_force_unlocks_a_visit_the_controller_is_told_to_stop_and_its_later_record_is_charged_once()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync(pricePerLiter: 5m);
        var (otherTap, _, otherClient) = await world.TapWithControllerAsync(pricePerLiter: 5m);
        var stops = new ConcurrentQueue<StopPourMessage>();
        client.StopPour += m => { stops.Enqueue(m); return Task.CompletedTask; };
        var guest = await world.GuestAsync(balance: 20m);
        var allow = await client.Authorize(PourWorld.Present(tap, guest));

        using var staff = await world.Host.SignInAsAsync(StaffRole.Staff);
        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync($"/api/visits/{guest.VisitId}/force-unlock", new { comment = "stuck" }, TapRoomHost.Json),
            HttpStatusCode.Forbidden, "forbidden");
        using var manager = await world.Host.SignInAsAsync(StaffRole.Manager);
        var unlocked = await HttpAssert.OkAsync<ForceUnlockVisit.Result>(
            await manager.PostAsJsonAsync($"/api/visits/{guest.VisitId}/force-unlock", new { comment = "guest moved on" }, TapRoomHost.Json));
        Assert.Equal((tap.TapId, allow.PourSessionId), (unlocked.TapId, unlocked.PourSessionId));
        await PourWorld.EventuallyAsync(() => stops.Any(s => s.PourSessionId == allow.PourSessionId && s.Reason == "force_unlock"), "StopPour");
        Assert.Null(await world.DbAsync(db => db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.ActiveTapId).SingleAsync()));
        var audit = await world.DbAsync(db => db.AuditEvents.SingleAsync(e => e.Action == AuditActions.VisitForceUnlocked));
        Assert.Equal((guest.VisitId, "Test Manager"), (audit.SubjectId, audit.ActorName));
        Assert.Contains("guest moved on", audit.DetailsJson);
        await HttpAssert.ProblemAsync(await manager.PostAsJsonAsync($"/api/visits/{guest.VisitId}/force-unlock", new { comment = "again" }, TapRoomHost.Json),
            HttpStatusCode.Conflict, "visit_not_locked");

        Assert.True((await otherClient.Authorize(PourWorld.Present(otherTap, guest))).Allowed, "the card pours elsewhere after the unlock");
        var late = await client.CompletePour(PourWorld.Completion(allow.PourSessionId!.Value, tap, 100));
        Assert.Equal((CompletePourOutcome.Synced, 0.50m), (late.Outcome, late.ChargedAmount));
        Assert.Equal(otherTap.TapId, await world.DbAsync(db => db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.ActiveTapId).SingleAsync()));
        Assert.Equal([-0.50m], await ChargesAsync(world, guest));
    }
}
