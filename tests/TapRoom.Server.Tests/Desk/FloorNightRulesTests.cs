using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Dashboard;
using TapRoom.Server.Tests.Infrastructure;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Desk;

/// <summary>Issue 16's server rules: no money without a shift, close-all, payment methods, the denial push.</summary>
public sealed class FloorNightRulesTests
{
    private static Task<HttpResponseMessage> TopUp(HttpClient c, Guid visitId, decimal amount, string method = "cash") =>
        c.PostAsJsonAsync($"/api/visits/{visitId}/top-up", new { amount, paymentMethod = method }, TapRoomHost.Json);

    private static Task<HttpResponseMessage> Refund(HttpClient c, Guid visitId, decimal amount, string method = "cash") =>
        c.PostAsJsonAsync($"/api/visits/{visitId}/refund", new { amount, paymentMethod = method }, TapRoomHost.Json);

    [Fact]
    public async Task With_no_open_shift_the_desk_moves_no_money_under_the_default_policy_and_the_allowing_policy_lists_it_in_the_next_report()
    {
        await using var world = await PourWorld.StartAsync(openShift: false);
        using var staff = await world.Host.SignInAsAsync(StaffRole.Staff);
        var guest = await world.GuestAsync(balance: 20m);
        var ledgerBefore = await world.DbAsync(db => db.Ledger.CountAsync());
        var outboxBefore = await world.DbAsync(db => db.PosOutbox.CountAsync());

        await HttpAssert.ProblemAsync(await TopUp(staff, guest.VisitId, 10m), HttpStatusCode.Conflict, "no_open_shift");
        await HttpAssert.ProblemAsync(await Refund(staff, guest.VisitId, 5m), HttpStatusCode.Conflict, "no_open_shift");
        var close = await staff.PostAsJsonAsync($"/api/visits/{guest.VisitId}/close", new { }, TapRoomHost.Json);
        await HttpAssert.ProblemAsync(close, HttpStatusCode.Conflict, "no_open_shift");

        Assert.Equal(ledgerBefore, await world.DbAsync(db => db.Ledger.CountAsync()));
        Assert.Equal(outboxBefore, await world.DbAsync(db => db.PosOutbox.CountAsync()));
        Assert.Equal(VisitStatus.Active, await world.DbAsync(db => db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.Status).SingleAsync()));
        var location = await HttpAssert.OkAsync<LocationDto>(await staff.GetAsync("/api/location"));
        Assert.False(location.Policies.DeskMoneyWithoutOpenShift);
        Assert.True(location.Policies.PouringRequiresOpenShift);

        // The venue allows desk money without a shift: it moves, and the next shift's report lists it.
        await world.Host.DbAsync(async db =>
        {
            var l = await db.Locations.SingleAsync();
            l.Policies.DeskMoneyWithoutOpenShift = true;
            await db.SaveChangesAsync();
        });
        await HttpAssert.OkAsync<MoneyMovementResult>(await TopUp(staff, guest.VisitId, 10m));
        world.Host.Time.Advance(TimeSpan.FromMinutes(1));
        using var manager = await world.Host.SignInAsAsync(StaffRole.Manager);
        var shift = await HttpAssert.OkAsync<ShiftDto>(await manager.PostAsJsonAsync("/api/shifts", new { }, TapRoomHost.Json));
        var report = await HttpAssert.OkAsync<ShiftReportDto>(await manager.GetAsync($"/api/shifts/{shift.Id}/report"));
        // The guest's seeded 20.00 and the 10.00 top-up were both taken while no shift was open.
        Assert.Equal(2, report.Money.OutsideShift.Count);
        Assert.Equal(30m, report.Money.OutsideShift.TopUps);
        Assert.Equal(30m, report.Money.CashExpectedInDrawer);
    }

    [Fact]
    public async Task A_manager_switches_desk_money_without_a_shift_through_the_api_staff_may_not_and_the_change_is_audited_and_takes_effect()
    {
        await using var world = await PourWorld.StartAsync(openShift: false);
        using var staff = await world.Host.SignInAsAsync(StaffRole.Staff);
        using var manager = await world.Host.SignInAsAsync(StaffRole.Manager);
        var guest = await world.GuestAsync(balance: 20m);
        static Task<HttpResponseMessage> Put(HttpClient c, object body) => c.PutAsJsonAsync("/api/location/policies", body, TapRoomHost.Json);

        await HttpAssert.ProblemAsync(await Put(staff, new { deskMoneyWithoutOpenShift = true }), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await Put(manager, new { }), HttpStatusCode.BadRequest, "validation_failed");
        Assert.False(await world.DbAsync(db => db.Locations.Select(l => l.Policies.DeskMoneyWithoutOpenShift).SingleAsync()));
        await HttpAssert.ProblemAsync(await TopUp(staff, guest.VisitId, 10m), HttpStatusCode.Conflict, "no_open_shift");

        var changed = await HttpAssert.OkAsync<LocationDto>(await Put(manager, new { deskMoneyWithoutOpenShift = true }));
        Assert.True(changed.Policies.DeskMoneyWithoutOpenShift);
        Assert.True((await HttpAssert.OkAsync<LocationDto>(await staff.GetAsync("/api/location"))).Policies.DeskMoneyWithoutOpenShift);
        await HttpAssert.OkAsync<MoneyMovementResult>(await TopUp(staff, guest.VisitId, 10m));
        var audited = await world.DbAsync(db => db.AuditEvents.Where(e => e.Action == "location.policies_changed").ToListAsync());
        var e = Assert.Single(audited);
        var change = JsonDocument.Parse(e.DetailsJson).RootElement.GetProperty("deskMoneyWithoutOpenShift");
        Assert.Equal((false, true), (change.GetProperty("from").GetBoolean(), change.GetProperty("to").GetBoolean()));

        await HttpAssert.OkAsync<LocationDto>(await Put(manager, new { deskMoneyWithoutOpenShift = false }));
        await HttpAssert.ProblemAsync(await TopUp(staff, guest.VisitId, 10m), HttpStatusCode.Conflict, "no_open_shift");
    }

    [Fact]
    public async Task Cash_and_card_are_recorded_on_the_ledger_the_pos_payload_and_the_report_with_every_staff_member_who_handled_money()
    {
        await using var world = await PourWorld.StartAsync(openShift: false);
        using var manager = await world.Host.SignInAsAsync(StaffRole.Manager);
        var shift = await HttpAssert.OkAsync<ShiftDto>(await manager.PostAsJsonAsync("/api/shifts", new { }, TapRoomHost.Json));
        world.Host.Time.Advance(TimeSpan.FromMinutes(1));
        var guest = await world.GuestAsync(balance: 0m);
        using var staff = await world.Host.SignInAsAsync(StaffRole.Staff); // not a member of the shift

        var card = await HttpAssert.OkAsync<MoneyMovementResult>(await TopUp(staff, guest.VisitId, 20m, "card"));
        Assert.Equal(PaymentMethod.Card, card.PaymentMethod);
        await HttpAssert.OkAsync<MoneyMovementResult>(await TopUp(manager, guest.VisitId, 30m, "cash"));
        await HttpAssert.OkAsync<MoneyMovementResult>(await Refund(staff, guest.VisitId, 5m, "cash"));
        await HttpAssert.ProblemAsync(await TopUp(staff, guest.VisitId, 5m, "cheque"), HttpStatusCode.BadRequest, "malformed_json");

        var detail = await HttpAssert.OkAsync<VisitDetailDto>(await staff.GetAsync($"/api/visits/{guest.VisitId}"));
        Assert.Equal([PaymentMethod.Card, PaymentMethod.Cash, PaymentMethod.Cash], detail.Ledger.Select(e => e.PaymentMethod));

        var payloads = await world.DbAsync(db => db.PosOutbox.Where(p => p.VisitId == guest.VisitId).OrderBy(p => p.Id).Select(p => p.PayloadJson).ToListAsync());
        Assert.Equal(["card", "cash", "cash"], payloads.Select(p => JsonDocument.Parse(p).RootElement.GetProperty("paymentMethod").GetString()));

        var report = await HttpAssert.OkAsync<ShiftReportDto>(await manager.GetAsync($"/api/shifts/{shift.Id}/report"));
        Assert.Equal(new ShiftReportPaymentSplit(30m, 1, 5m, 1), report.Money.Cash);
        Assert.Equal(new ShiftReportPaymentSplit(20m, 1, 0m, 0), report.Money.Card);
        Assert.Equal(25m, report.Money.CashExpectedInDrawer);
        var staffUser = await world.DbAsync(db => db.StaffUsers.Where(u => u.Role == StaffRole.Staff).Select(u => u.Name).FirstAsync());
        var handler = Assert.Single(report.Money.HandledBy, h => h.Name == staffUser);
        Assert.Equal((20m, 1, 5m, 1, false), (handler.TopUps, handler.TopUpCount, handler.Refunds, handler.RefundCount, handler.OnShift));
        Assert.Contains(report.Money.HandledBy, h => h.OnShift && h.TopUps == 30m);

        var csv = await manager.GetStringAsync($"/api/shifts/{shift.Id}/report.csv");
        Assert.Contains("Cash expected in the drawer", csv);
        Assert.Contains($"{staffUser},20.00,1,5.00,1,no", csv);
    }

    [Fact]
    public async Task Close_all_shows_a_summary_closes_each_visit_once_under_a_retried_key_and_skips_a_visit_with_a_pour_in_flight()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, controller) = await world.TapWithControllerAsync();
        var pouring = await world.GuestAsync(balance: 12m);
        var a = await world.GuestAsync(balance: 7.5m);
        var b = await world.GuestAsync(balance: 0m);
        using var manager = await world.Host.SignInAsAsync(StaffRole.Manager);
        using var staff = await world.Host.SignInAsAsync(StaffRole.Staff);

        var allowed = await controller.Authorize(PourWorld.Present(tap, pouring));
        Assert.True(allowed.Allowed);

        await HttpAssert.ProblemAsync(await staff.GetAsync("/api/visits/close-all"), HttpStatusCode.Forbidden, "forbidden");
        var preview = await HttpAssert.OkAsync<CloseAllVisitsPreviewDto>(await manager.GetAsync("/api/visits/close-all"));
        Assert.Equal((2, 7.5m, "EUR"), (preview.Count, preview.TotalRefund, preview.Currency));
        var skippedLine = Assert.Single(preview.Visits, l => l.SkipReason is not null);
        Assert.Equal((pouring.VisitId, "visit_pouring"), (skippedLine.VisitId, skippedLine.SkipReason));
        Assert.Contains(tap.Name, skippedLine.SkipMessage);

        var key = Guid.NewGuid().ToString("N");
        var first = await HttpAssert.OkAsync<CloseAllVisitsResult>(await manager.PostAsJsonAsync("/api/visits/close-all", new { idempotencyKey = key }, TapRoomHost.Json));
        Assert.Equal((2, 7.5m), (first.ClosedCount, first.TotalRefunded));
        Assert.Equal(new[] { a.VisitId, b.VisitId }.Order(), first.Closed.Select(c => c.VisitId).Order());
        var skipped = Assert.Single(first.Skipped);
        Assert.Equal(pouring.VisitId, skipped.VisitId);
        Assert.Contains(skipped.GuestName, skipped.SkipMessage);

        var retry = await HttpAssert.OkAsync<CloseAllVisitsResult>(await manager.PostAsJsonAsync("/api/visits/close-all", new { idempotencyKey = key }, TapRoomHost.Json));
        Assert.Equal(first.ClosedCount, retry.ClosedCount);
        Assert.Equal(first.Closed.Select(c => (c.VisitId, c.Refund)), retry.Closed.Select(c => (c.VisitId, c.Refund)));
        await HttpAssert.ProblemAsync(await manager.PostAsJsonAsync("/api/visits/close-all", new { idempotencyKey = key, reason = "other" }, TapRoomHost.Json),
            HttpStatusCode.Conflict, "idempotency_key_reused");

        var closedEvents = await world.DbAsync(db => db.AuditEvents.Where(e => e.Action == "visit.closed").Select(e => e.SubjectId).ToListAsync());
        Assert.Equal(new[] { a.VisitId, b.VisitId }.Order(), closedEvents.Select(id => id!.Value).Order());
        Assert.Equal(1, await world.DbAsync(db => db.Ledger.CountAsync(e => e.VisitId == a.VisitId && e.Kind == LedgerKind.Refund)));
        Assert.Equal(0m, await world.DbAsync(async db => (await db.Ledger.Where(e => e.VisitId == a.VisitId).Select(e => e.Amount).ToListAsync()).Sum()));
        var states = await world.DbAsync(db => db.Visits.Where(v => v.Id == a.VisitId || v.Id == b.VisitId || v.Id == pouring.VisitId)
            .ToDictionaryAsync(v => v.Id, v => v.Status));
        Assert.Equal(VisitStatus.Active, states[pouring.VisitId]);
        Assert.Equal(VisitStatus.Closed, states[a.VisitId]);
        Assert.Equal(VisitStatus.Closed, states[b.VisitId]);
    }

    [Fact]
    public async Task Close_all_racing_with_authorisations_never_closes_a_visit_under_a_pour()
    {
        await using var world = await PourWorld.StartAsync();
        using var manager = await world.Host.SignInAsAsync(StaffRole.Manager);
        var rigs = new List<(TapRig Tap, HubClient.ControllerHubClient Client, GuestRig Guest)>();
        for (var i = 0; i < 4; i++)
        {
            var (tap, _, client) = await world.TapWithControllerAsync();
            rigs.Add((tap, client, await world.GuestAsync(balance: 10m)));
        }

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pours = rigs.Select(r => Task.Run(async () => { await start.Task; return await r.Client.Authorize(PourWorld.Present(r.Tap, r.Guest)); })).ToArray();
        var closeAll = Task.Run(async () =>
        {
            await start.Task;
            return await HttpAssert.OkAsync<CloseAllVisitsResult>(
                await manager.PostAsJsonAsync("/api/visits/close-all", new { idempotencyKey = Guid.NewGuid().ToString("N") }, TapRoomHost.Json));
        });
        start.SetResult();
        var results = await Task.WhenAll(pours);
        var outcome = await closeAll;

        for (var i = 0; i < rigs.Count; i++)
        {
            var visitId = rigs[i].Guest.VisitId;
            var status = await world.DbAsync(db => db.Visits.Where(v => v.Id == visitId).Select(v => v.Status).SingleAsync());
            if (results[i].Allowed)
            {
                // The pour won the race: its visit is skipped and named, and stays open under the pour.
                Assert.Equal(VisitStatus.Active, status);
                Assert.Contains(outcome.Skipped, s => s.VisitId == visitId && s.SkipReason == "visit_pouring");
            }
            else
            {
                // Close-all won: the visit is closed and refunded, and the tap said why.
                Assert.Equal(VisitStatus.Closed, status);
                Assert.Contains(outcome.Closed, c => c.VisitId == visitId && c.Refund == 10m);
                Assert.Contains(results[i].DenyReason, new DenyReason?[] { DenyReason.NoActiveVisit, DenyReason.CardInactive, DenyReason.UnknownCard });
            }
        }
        Assert.Equal(rigs.Count, outcome.Closed.Count + outcome.Skipped.Count);
    }

    [Fact]
    public async Task A_denial_at_a_tap_is_pushed_to_dashboards_with_the_reason_the_guest_and_the_tap()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, controller) = await world.TapWithControllerAsync(pricePerLiter: 5m);
        var guest = await world.GuestAsync(balance: 0.05m);
        var (http, cookies) = await DashboardHubTests.SignInAsync(world.Host, StaffRole.Staff);
        using (http)
        {
            await using var browser = await DashboardTestClient.ConnectAsync(world.Host.BaseAddress, cookies);
            var denied = await controller.Authorize(PourWorld.Present(tap, guest));
            Assert.Equal(DenyReason.InsufficientBalance, denied.DenyReason);

            var push = await browser.WaitForAsync<PourDeniedPush>("PourDenied", p => p.TapId == tap.TapId);
            Assert.Equal((DenyReason.InsufficientBalance, guest.VisitId, denied.GuestName, tap.Name, guest.CardUid),
                (push.Reason, push.VisitId, push.GuestName, push.TapName, push.CardUid));
            Assert.Equal(denied.Message, push.Message);
        }
    }
}
