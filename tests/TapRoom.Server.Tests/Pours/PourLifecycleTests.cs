using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Pours;

public sealed class PourLifecycleTests
{
    [Fact]
    public async Task A_pour_is_authorised_streamed_completed_charged_once_drained_and_unlocked()
    {
        var recorder = new NotificationRecorder();
        await using var world = await PourWorld.StartAsync(configure: b => NotificationRecorder.AddTo(b, recorder));
        var (tap, _, client) = await world.TapWithControllerAsync(pricePerLiter: 6.5m, kegMl: 30_000);
        var guest = await world.GuestAsync(balance: 30m);

        var allow = await client.Authorize(PourWorld.Present(tap, guest));
        Assert.True(allow.Allowed, allow.Message);
        Assert.Equal((1000, 30m), (allow.MaxVolumeMl, allow.Balance));
        Assert.StartsWith("Guest ", allow.GuestName);
        var sessionId = allow.PourSessionId!.Value;
        var pending = await world.DbAsync(db => db.PourSessions.AsNoTracking().SingleAsync(p => p.Id == sessionId));
        Assert.Equal((SyncStatus.PendingSync, 6.5m, 1000), (pending.SyncStatus, pending.PricePerLiter, pending.MaxVolumeMl));
        var locked = await world.DbAsync(db => db.Visits.AsNoTracking().SingleAsync(v => v.Id == guest.VisitId));
        Assert.Equal((tap.TapId, sessionId, (DateTime?)world.Now), (locked.ActiveTapId, locked.ActivePourSessionId, locked.LockSetAt));

        await client.PourProgress(new PourProgressMessage(sessionId, 120, world.Now));
        await PourWorld.EventuallyAsync(() => recorder.Seen.OfType<PourProgressNotification>().Any(p => p.VolumeMl == 120), "progress pushed");
        // Progress is written in the background (OpenPours), not on its way in.
        await PourWorld.EventuallyAsync(() => world.DbAsync(db => db.PourSessions.AnyAsync(p => p.Id == sessionId && p.LastProgressMl == 120)).Result, "progress stored");
        world.Host.Time.Advance(TimeSpan.FromSeconds(2));
        await client.PourProgress(new PourProgressMessage(sessionId, 90, world.Now)); // backwards: ignored
        await client.PourProgress(new PourProgressMessage(sessionId, 250, world.Now));
        await PourWorld.EventuallyAsync(() => recorder.Seen.OfType<PourProgressNotification>().Any(p => p.VolumeMl == 250), "second progress pushed");
        Assert.DoesNotContain(recorder.Seen.OfType<PourProgressNotification>(), p => p.VolumeMl == 90);
        await PourWorld.EventuallyAsync(() => world.DbAsync(db => db.PourSessions.AnyAsync(p => p.Id == sessionId && p.LastProgressMl == 250)).Result, "second progress stored");
        var progressed = await world.DbAsync(db => db.PourSessions.AsNoTracking().SingleAsync(p => p.Id == sessionId));
        Assert.Equal((250, (DateTime?)world.Now), (progressed.LastProgressMl, progressed.LastProgressAt));

        var done = await client.CompletePour(PourWorld.Completion(sessionId, tap, 400));
        Assert.Equal((CompletePourOutcome.Synced, 2.60m, (decimal?)27.40m), (done.Outcome, done.ChargedAmount, done.Balance));

        var state = await world.DbAsync(async db => new
        {
            Session = await db.PourSessions.AsNoTracking().SingleAsync(p => p.Id == sessionId),
            Visit = await db.Visits.AsNoTracking().SingleAsync(v => v.Id == guest.VisitId),
            Keg = await db.Kegs.AsNoTracking().SingleAsync(k => k.Id == tap.KegId),
            Charge = await db.Ledger.AsNoTracking().SingleAsync(e => e.PourSessionId == sessionId),
            Outbox = await db.PosOutbox.AsNoTracking().SingleAsync(o => o.VisitId == guest.VisitId),
            Audited = await db.AuditEvents.AnyAsync(e => e.Action == AuditActions.PourSynced && e.SubjectId == sessionId),
        });
        Assert.Equal((SyncStatus.Synced, 400, 2.60m), (state.Session.SyncStatus, state.Session.VolumeMl, state.Session.ChargedAmount));
        Assert.Equal(((Guid?)null, (Guid?)null, 400), (state.Visit.ActiveTapId, state.Visit.ActivePourSessionId, state.Visit.PouredVolumeMl));
        Assert.Equal(30_000 - 400, state.Keg.RemainingVolumeMl);
        Assert.Equal((LedgerKind.PourCharge, -2.60m), (state.Charge.Kind, state.Charge.Amount));
        Assert.Equal((PosOutboxKind.Pour, state.Charge.Id), (state.Outbox.Kind, state.Outbox.LedgerEntryId));
        Assert.True(state.Audited);
    }

    [Fact]
    public async Task A_controller_hears_of_a_taps_status_when_it_changes_and_not_for_every_pour()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, controller, client) = await world.TapWithControllerAsync(pricePerLiter: 5m);
        var pushes = new ConcurrentQueue<TapStateChangedMessage>();
        client.TapStateChanged += m => { pushes.Enqueue(m); return Task.CompletedTask; };
        var guest = await world.GuestAsync(balance: 20m);

        // An authorisation and a completion on an active tap change no status: the controller is told nothing.
        var allow = await client.Authorize(PourWorld.Present(tap, guest));
        Assert.Equal(CompletePourOutcome.Synced, (await client.CompletePour(PourWorld.Completion(allow.PourSessionId!.Value, tap, 200))).Outcome);
        using var staff = await world.Host.SignInAsAsync(StaffRole.Staff);
        await HttpAssert.OkAsync<Features.Taps.ChangeTapStatus.Result>(await staff.PostAsJsonAsync($"/api/taps/{tap.TapId}/status", new { status = "locked" }, TapRoomHost.Json));
        await PourWorld.EventuallyAsync(() => pushes.Any(p => p.Status == TapStatus.Locked), "TapStateChanged locked");
        // One loop sends a controller's pushes in commit order: a push for the pour would have come before this one.
        Assert.Equal([(tap.TapId, TapStatus.Locked)], pushes.Select(p => (p.TapId, p.Status)).ToList());
        await HttpAssert.OkAsync<Features.Taps.ChangeTapStatus.Result>(await staff.PostAsJsonAsync($"/api/taps/{tap.TapId}/status", new { status = "active" }, TapRoomHost.Json));
        await PourWorld.EventuallyAsync(() => pushes.Any(p => p.Status == TapStatus.Active), "TapStateChanged active");

        // A status changed by a pour's completion (processing_sync → active after a reconnect) is pushed.
        var open = await client.Authorize(PourWorld.Present(tap, guest));
        await client.DisposeAsync();
        var again = await world.ConnectAsync(controller, pendingSyncCount: 1);
        var heard = new ConcurrentQueue<TapStateChangedMessage>();
        again.TapStateChanged += m => { heard.Enqueue(m); return Task.CompletedTask; };
        Assert.Equal(TapStatus.ProcessingSync, await world.DbAsync(db => db.Taps.Where(t => t.Id == tap.TapId).Select(t => t.Status).SingleAsync()));
        Assert.Equal(CompletePourOutcome.Synced, (await again.CompletePour(PourWorld.Completion(open.PourSessionId!.Value, tap, 100))).Outcome);
        await PourWorld.EventuallyAsync(() => heard.Any(p => p.TapId == tap.TapId && p.Status == TapStatus.Active), "TapStateChanged active after the sync");
    }

    [Fact]
    public async Task The_maximum_volume_is_the_least_of_cap_keg_visit_limit_and_balance_and_a_retry_of_the_request_gets_the_same_allow()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync(pricePerLiter: 5m, kegMl: 20_000, remainingMl: 700);
        async Task<int?> MaxFor(GuestRig g) => (await client.Authorize(PourWorld.Present(tap, g))) is { Allowed: true } r
            ? await Release(r) : null;
        async Task<int?> Release(AuthorizeResult r)
        {
            Assert.Equal(CompletePourOutcome.Synced, (await client.CompletePour(PourWorld.Completion(r.PourSessionId!.Value, tap, 0))).Outcome);
            return r.MaxVolumeMl;
        }
        Assert.Equal(700, await MaxFor(await world.GuestAsync(balance: 100m)));                          // keg
        Assert.Equal(240, await MaxFor(await world.GuestAsync(balance: 1.20m)));                         // balance: 1.20 buys 240 ml at 5.00/l
        Assert.Equal(130, await MaxFor(await world.GuestAsync(balance: 100m, volumeLimitMl: 2000, pouredMl: 1870))); // visit limit

        var guest = await world.GuestAsync(balance: 100m);
        var request = PourWorld.Present(tap, guest);
        var first = await client.Authorize(request);
        var retry = await client.Authorize(request);
        Assert.True(retry.Allowed);
        Assert.Equal((first.PourSessionId, first.MaxVolumeMl), (retry.PourSessionId, retry.MaxVolumeMl));
        Assert.Equal(1, await world.DbAsync(db => db.PourSessions.CountAsync(p => p.VisitId == guest.VisitId)));
    }

    [Fact]
    public async Task A_pour_under_the_minimum_is_recorded_and_drained_but_not_charged_and_an_over_pour_is_charged_at_most_the_maximum_and_alerted()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync(pricePerLiter: 5m, kegMl: 10_000);
        var guest = await world.GuestAsync(balance: 1.00m); // 200 ml at most

        var ghost = await client.Authorize(PourWorld.Present(tap, guest));
        var ghostDone = await client.CompletePour(PourWorld.Completion(ghost.PourSessionId!.Value, tap, 9));
        Assert.Equal((CompletePourOutcome.Synced, 0m, (decimal?)1.00m), (ghostDone.Outcome, ghostDone.ChargedAmount, ghostDone.Balance));
        Assert.Equal(9, await world.DbAsync(db => db.PourSessions.Where(p => p.Id == ghost.PourSessionId).Select(p => p.VolumeMl).SingleAsync()));
        Assert.Equal(10_000 - 9, await world.DbAsync(db => db.Kegs.Where(k => k.Id == tap.KegId).Select(k => k.RemainingVolumeMl).SingleAsync()));
        Assert.False(await world.DbAsync(db => db.Ledger.AnyAsync(e => e.Kind == LedgerKind.PourCharge)));

        var pour = await client.Authorize(PourWorld.Present(tap, guest));
        Assert.Equal(200, pour.MaxVolumeMl);
        var over = await client.CompletePour(PourWorld.Completion(pour.PourSessionId!.Value, tap, 260));
        Assert.Equal((CompletePourOutcome.Synced, 1.00m, (decimal?)0m), (over.Outcome, over.ChargedAmount, over.Balance));
        Assert.Equal(10_000 - 9 - 260, await world.DbAsync(db => db.Kegs.Where(k => k.Id == tap.KegId).Select(k => k.RemainingVolumeMl).SingleAsync()));
        var alert = await world.DbAsync(db => db.Alerts.SingleAsync(a => a.Type == AlertTypes.OverPour));
        Assert.Equal(("tap", tap.TapId), (alert.SubjectType, alert.SubjectId));
        Assert.Contains("260 ml", alert.Message);
    }

    [Fact]
    public async Task Disconnect_mid_pour_then_reconnect_with_pending_sync_keeps_the_tap_processing_sync_until_the_replay_is_charged_once()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, controller, client) = await world.TapWithControllerAsync(pricePerLiter: 5m);
        var guest = await world.GuestAsync(balance: 20m);
        var allow = await client.Authorize(PourWorld.Present(tap, guest));
        await client.PourProgress(new PourProgressMessage(allow.PourSessionId!.Value, 100, world.Now));
        await client.DisposeAsync();

        var again = await world.ConnectAsync(controller, pendingSyncCount: 1);
        Assert.Equal(TapStatus.ProcessingSync, await world.DbAsync(db => db.Taps.Where(t => t.Id == tap.TapId).Select(t => t.Status).SingleAsync()));
        var other = await world.GuestAsync();
        Assert.Equal(DenyReason.TapNotActive, (await again.Authorize(PourWorld.Present(tap, other))).DenyReason);

        var completion = PourWorld.Completion(allow.PourSessionId.Value, tap, 300);
        Assert.Equal(CompletePourOutcome.Synced, (await again.CompletePour(completion)).Outcome);
        Assert.Equal(CompletePourOutcome.Duplicate, (await again.CompletePour(completion)).Outcome);
        Assert.Equal(TapStatus.Active, await world.DbAsync(db => db.Taps.Where(t => t.Id == tap.TapId).Select(t => t.Status).SingleAsync()));
        Assert.Equal([-1.50m], await world.DbAsync(db => db.Ledger.Where(e => e.Kind == LedgerKind.PourCharge).Select(e => e.Amount).ToListAsync()));
        Assert.True((await again.Authorize(PourWorld.Present(tap, other))).Allowed);
    }

    [Fact]
    public async Task Staff_locking_a_tap_mid_pour_stops_that_pour_on_that_controller_only_and_pushes_the_state()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync();
        var (_, _, bystander) = await world.TapWithControllerAsync();
        var stops = new ConcurrentQueue<StopPourMessage>();
        var states = new ConcurrentQueue<TapStateChangedMessage>();
        var bystanderHeard = new ConcurrentQueue<object>();
        client.StopPour += m => { stops.Enqueue(m); return Task.CompletedTask; };
        client.TapStateChanged += m => { states.Enqueue(m); return Task.CompletedTask; };
        bystander.StopPour += m => { bystanderHeard.Enqueue(m); return Task.CompletedTask; };
        bystander.TapStateChanged += m => { bystanderHeard.Enqueue(m); return Task.CompletedTask; };
        var guest = await world.GuestAsync();
        var allow = await client.Authorize(PourWorld.Present(tap, guest));

        using var staff = await world.Host.SignInAsAsync(StaffRole.Staff);
        var response = await staff.PostAsJsonAsync($"/api/taps/{tap.TapId}/status", new { status = "locked", comment = "foam everywhere" }, TapRoomHost.Json);
        var body = await HttpAssert.OkAsync<Features.Taps.ChangeTapStatus.Result>(response);
        Assert.Equal((TapStatus.Locked, allow.PourSessionId), (body.Status, body.StoppedPourSessionId));
        await PourWorld.EventuallyAsync(() => stops.Any(s => s.PourSessionId == allow.PourSessionId && s.Reason == "tap_locked"), "StopPour");
        await PourWorld.EventuallyAsync(() => states.Any(s => s.TapId == tap.TapId && s.Status == TapStatus.Locked), "TapStateChanged locked");
        Assert.True(await world.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.TapStatusChanged && e.SubjectId == tap.TapId && e.DetailsJson.Contains("foam"))));

        // The stopped pour is still completed and charged; the tap stays locked until staff reopen it.
        Assert.Equal(CompletePourOutcome.Synced, (await client.CompletePour(PourWorld.Completion(allow.PourSessionId!.Value, tap, 150))).Outcome);
        Assert.Equal(TapStatus.Locked, await world.DbAsync(db => db.Taps.Where(t => t.Id == tap.TapId).Select(t => t.Status).SingleAsync()));
        await HttpAssert.OkAsync<Features.Taps.ChangeTapStatus.Result>(await staff.PostAsJsonAsync($"/api/taps/{tap.TapId}/status", new { status = "active" }, TapRoomHost.Json));
        await PourWorld.EventuallyAsync(() => states.Any(s => s.TapId == tap.TapId && s.Status == TapStatus.Active), "TapStateChanged active");
        Assert.Empty(bystanderHeard);

        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync($"/api/taps/{tap.TapId}/status", new { status = "processing_sync" }, TapRoomHost.Json),
            System.Net.HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync($"/api/taps/{Guid.NewGuid()}/status", new { status = "locked" }, TapRoomHost.Json),
            System.Net.HttpStatusCode.NotFound, "not_found");
        using var anonymous = world.Host.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync($"/api/taps/{tap.TapId}/status", new { status = "locked" }, TapRoomHost.Json)).StatusCode);
    }

    [Fact]
    public async Task Flow_without_pour_raises_a_critical_alert_and_card_reads_reach_the_desk()
    {
        var recorder = new NotificationRecorder();
        await using var world = await PourWorld.StartAsync(configure: b => NotificationRecorder.AddTo(b, recorder));
        var (tap, _, client) = await world.TapWithControllerAsync();
        await client.FlowWithoutPour(new FlowWithoutPourMessage(tap.TapId, 35, world.Now));
        await client.CardPresented(new CardPresentedMessage("desk-1", "04:a1:b2:c3", world.Now));
        await client.CardRemoved(new CardRemovedMessage("desk-1", world.Now));

        await PourWorld.EventuallyAsync(() => recorder.Seen.OfType<CardRemovedNotification>().Any(), "card removed");
        Assert.Contains(recorder.Seen.OfType<CardReadNotification>(), n => n.Message.CardUid == "04A1B2C3" && n.Message.ReaderId == "desk-1");
        // A controller's invocations may run side by side (MaximumParallelInvocationsPerClient): the card messages need
        // not wait for the alert's commit.
        await PourWorld.EventuallyAsync(() => world.DbAsync(db => db.Alerts.AnyAsync(a => a.Type == AlertTypes.FlowWithoutPour)).Result, "flow alert");
        var alert = await world.DbAsync(db => db.Alerts.SingleAsync(a => a.Type == AlertTypes.FlowWithoutPour));
        Assert.Equal((AlertSeverity.Critical, "tap", tap.TapId), (alert.Severity, alert.SubjectType, alert.SubjectId));
        Assert.Contains(tap.Name, alert.Message);
        Assert.True(await world.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.TapFlowWithoutPour && e.SubjectId == tap.TapId)));
    }
}
