using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Desk;

/// <summary>Rule 2 (close), the lock and pending sync guards on money leaving a visit, the volume limit.</summary>
public sealed class VisitLifecycleTests(DeskHostFixture fx) : IClassFixture<DeskHostFixture>
{
    private HttpClient Staff => fx.Staff;
    private TapRoomHost Host => fx.Host;

    [Fact]
    public async Task Close_refunds_the_rest_deactivates_the_card_and_the_card_can_be_issued_again()
    {
        var (guest, opened) = await Staff.GuestWithVisitAsync();
        await HttpAssert.OkAsync<MoneyMovementResult>(await Staff.TopUpAsync(opened.VisitId, 30m));
        await HttpAssert.OkAsync<MoneyMovementResult>(await Staff.RefundAsync(opened.VisitId, 7.5m));

        var closed = await HttpAssert.OkAsync<CloseVisitResult>(await Staff.CloseAsync(opened.VisitId, reason: "going home"));

        Assert.Equal((22.5m, 22.5m, 0m), (closed.RemainingBalance, closed.RefundedAmount, closed.Balance));
        var detail = await Staff.VisitAsync(opened.VisitId);
        Assert.Equal(VisitStatus.Closed, detail.Visit.Status);
        Assert.Equal(0m, detail.Visit.Balance);
        Assert.Equal(detail.Ledger.Sum(e => e.Amount), detail.Visit.Balance);
        var refund = detail.Ledger.Single(e => e.Id == closed.RefundLedgerEntryId);
        Assert.Equal((LedgerKind.Refund, -22.5m), (refund.Kind, refund.Amount));
        Assert.Equal(1, await Host.DbAsync(db => db.PosOutbox.CountAsync(o => o.LedgerEntryId == refund.Id && o.Kind == PosOutboxKind.Refund)));

        var card = await Host.DbAsync(db => db.Cards.SingleAsync(c => c.Uid == opened.CardUid));
        Assert.Equal(CardStatus.Inactive, card.Status);
        Assert.Null(card.GuestId);
        Assert.False(await Host.DbAsync(db => db.Visits.AnyAsync(v => v.CardId == card.Id && v.Status == VisitStatus.Active)));
        Assert.Equal(1, await Host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "card.deactivated" && e.SubjectId == card.Id)));
        Assert.Equal(1, await Host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "visit.closed" && e.SubjectId == opened.VisitId)));

        // A closed visit takes no more money and cannot be closed twice.
        await HttpAssert.ProblemAsync(await Staff.TopUpAsync(opened.VisitId, 5m), HttpStatusCode.Conflict, "visit_closed");
        await HttpAssert.ProblemAsync(await Staff.CloseAsync(opened.VisitId), HttpStatusCode.Conflict, "visit_closed");

        // The card goes back to the desk: issued again to another guest, in a new visit.
        var next = await Staff.CreateGuestAsync();
        var reissued = await Staff.OpenOkAsync(next.Id, opened.CardUid);
        Assert.NotEqual(opened.VisitId, reissued.VisitId);
        Assert.Equal((card.Id, IssueCardStage.Bound), (reissued.CardId, reissued.Stage));
        // The first guest can come back with a new visit too.
        var back = await Staff.OpenOkAsync(guest.Id, DeskApi.NewUid());
        Assert.True(back.VisitOpened);
        Assert.Equal(2, await Host.DbAsync(db => db.Visits.CountAsync(v => v.GuestId == guest.Id)));
    }

    [Fact]
    public async Task Close_without_refund_records_the_remaining_balance()
    {
        var (_, opened) = await Staff.GuestWithVisitAsync();
        await HttpAssert.OkAsync<MoneyMovementResult>(await Staff.TopUpAsync(opened.VisitId, 12.34m));
        var outboxBefore = await Host.DbAsync(db => db.PosOutbox.CountAsync(o => o.VisitId == opened.VisitId));

        var closed = await HttpAssert.OkAsync<CloseVisitResult>(await Staff.CloseAsync(opened.VisitId, refundRemaining: false));

        Assert.Equal((12.34m, 0m, 12.34m, (Guid?)null), (closed.RemainingBalance, closed.RefundedAmount, closed.Balance, closed.RefundLedgerEntryId));
        Assert.Equal(outboxBefore, await Host.DbAsync(db => db.PosOutbox.CountAsync(o => o.VisitId == opened.VisitId)));
        var details = await Host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "visit.closed" && e.SubjectId == opened.VisitId).Select(e => e.DetailsJson).SingleAsync());
        var json = JsonDocument.Parse(details).RootElement;
        Assert.Equal(12.34m, json.GetProperty("remainingBalance").GetDecimal());
        Assert.Equal(12.34m, json.GetProperty("balanceLeftOnVisit").GetDecimal());
        Assert.Equal(CardStatus.Inactive, await Host.DbAsync(db => db.Cards.Where(c => c.Uid == opened.CardUid).Select(c => c.Status).SingleAsync()));
    }

    [Fact]
    public async Task A_pending_sync_pour_blocks_close_and_refund_and_nothing_changes()
    {
        var (_, opened) = await Staff.GuestWithVisitAsync();
        await HttpAssert.OkAsync<MoneyMovementResult>(await Staff.TopUpAsync(opened.VisitId, 20m));
        var pour = await Host.ArrangePourAsync(opened.VisitId, holdLock: false);

        var refused = await HttpAssert.ProblemAsync(await Staff.CloseAsync(opened.VisitId), HttpStatusCode.Conflict, "visit_has_pending_sync");
        Assert.Equal(pour.Id.ToString(), refused.GetProperty("details").GetProperty("pourSessionIds")[0].GetString());
        await HttpAssert.ProblemAsync(await Staff.RefundAsync(opened.VisitId, 1m), HttpStatusCode.Conflict, "visit_has_pending_sync");

        var detail = await Staff.VisitAsync(opened.VisitId);
        Assert.Equal((VisitStatus.Active, 20m), (detail.Visit.Status, detail.Visit.Balance));
        Assert.Equal(SyncStatus.PendingSync, Assert.Single(detail.Pours).SyncStatus);
        Assert.Equal(CardStatus.Active, await Host.DbAsync(db => db.Cards.Where(c => c.Uid == opened.CardUid).Select(c => c.Status).SingleAsync()));
        Assert.Equal(1, await Host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "close_visit.rejected" && e.SubjectId == opened.VisitId)));

        // Once the pour is reconciled (arranged here; reconcile belongs to the pour work), the visit closes.
        await Host.DbAsync(async db =>
        {
            (await db.PourSessions.SingleAsync(p => p.Id == pour.Id)).SyncStatus = SyncStatus.Reconciled;
            await db.SaveChangesAsync();
        });
        await HttpAssert.OkAsync<CloseVisitResult>(await Staff.CloseAsync(opened.VisitId));
    }

    [Fact]
    public async Task A_visit_pouring_on_a_tap_takes_top_ups_but_refuses_refund_and_close()
    {
        var (_, opened) = await Staff.GuestWithVisitAsync();
        await HttpAssert.OkAsync<MoneyMovementResult>(await Staff.TopUpAsync(opened.VisitId, 20m));
        var pour = await Host.ArrangePourAsync(opened.VisitId, holdLock: true);

        await HttpAssert.ProblemAsync(await Staff.RefundAsync(opened.VisitId, 5m), HttpStatusCode.Conflict, "visit_pouring");
        await HttpAssert.ProblemAsync(await Staff.CloseAsync(opened.VisitId), HttpStatusCode.Conflict, "visit_pouring");
        var topUp = await HttpAssert.OkAsync<MoneyMovementResult>(await Staff.TopUpAsync(opened.VisitId, 5m));
        Assert.Equal(25m, topUp.Balance);
        var detail = await Staff.VisitAsync(opened.VisitId);
        Assert.Equal((VisitStatus.Active, pour.TapId), (detail.Visit.Status, detail.Visit.ActiveTapId));
    }

    [Fact]
    public async Task A_timed_out_pour_needs_a_reconcile_and_a_lock_left_without_a_pending_pour_is_released_by_close()
    {
        var (_, timedOut) = await Staff.GuestWithVisitAsync();
        var stuck = await Host.ArrangePourAsync(timedOut.VisitId, holdLock: true);
        await Host.DbAsync(async db =>
        {
            (await db.PourSessions.SingleAsync(p => p.Id == stuck.Id)).TimedOutAt = Host.Time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync();
        });
        await HttpAssert.ProblemAsync(await Staff.CloseAsync(timedOut.VisitId), HttpStatusCode.Conflict, "visit_has_pending_sync");

        var (_, stale) = await Staff.GuestWithVisitAsync();
        var synced = await Host.ArrangePourAsync(stale.VisitId, holdLock: true, status: SyncStatus.Synced);
        await HttpAssert.OkAsync<CloseVisitResult>(await Staff.CloseAsync(stale.VisitId));
        var visit = (await Staff.VisitAsync(stale.VisitId)).Visit;
        Assert.Equal((VisitStatus.Closed, (Guid?)null, (DateTime?)null), (visit.Status, visit.ActiveTapId, visit.LockSetAt));
        Assert.False(await Host.DbAsync(db => db.Visits.AnyAsync(v => v.ActiveTapId == synced.TapId)));
    }

    [Fact]
    public async Task Raising_the_volume_limit_must_go_up_within_bounds_and_is_audited()
    {
        var (_, opened) = await Staff.GuestWithVisitAsync();
        var url = $"/api/visits/{opened.VisitId}/raise-limit";

        var raised = await HttpAssert.OkAsync<VisitSummaryDto>(await Staff.PostAsJsonAsync(url, new { volumeLimitMl = 3000, comment = "birthday" }, TapRoomHost.Json));
        Assert.Equal(3000, raised.VolumeLimitMl);
        await HttpAssert.ProblemAsync(await Staff.PostAsJsonAsync(url, new { volumeLimitMl = 3000, comment = "again" }, TapRoomHost.Json), HttpStatusCode.Conflict, "limit_not_higher");
        await HttpAssert.ProblemAsync(await Staff.PostAsJsonAsync(url, new { volumeLimitMl = 2500, comment = "lower" }, TapRoomHost.Json), HttpStatusCode.Conflict, "limit_not_higher");
        await HttpAssert.ProblemAsync(await Staff.PostAsJsonAsync(url, new { volumeLimitMl = 1_000_000, comment = "absurd" }, TapRoomHost.Json), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await Staff.PostAsJsonAsync(url, new { volumeLimitMl = 4000, comment = " " }, TapRoomHost.Json), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await Staff.PostAsJsonAsync($"/api/visits/{Guid.NewGuid()}/raise-limit", new { volumeLimitMl = 4000, comment = "x" }, TapRoomHost.Json), HttpStatusCode.NotFound, "not_found");

        Assert.Equal(3000, (await Staff.VisitAsync(opened.VisitId)).Visit.VolumeLimitMl);
        var audit = await Host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "visit.limit_raised" && e.SubjectId == opened.VisitId).Select(e => e.DetailsJson).SingleAsync());
        var json = JsonDocument.Parse(audit).RootElement;
        Assert.Equal((2000, 3000, "birthday"), (json.GetProperty("from").GetInt32(), json.GetProperty("to").GetInt32(), json.GetProperty("comment").GetString()));
    }

    [Fact]
    public async Task Active_visits_are_listed_with_their_balance_and_closed_ones_are_not()
    {
        var (_, open) = await Staff.GuestWithVisitAsync();
        var (_, toClose) = await Staff.GuestWithVisitAsync();
        await HttpAssert.OkAsync<MoneyMovementResult>(await Staff.TopUpAsync(open.VisitId, 9.99m));
        await HttpAssert.OkAsync<CloseVisitResult>(await Staff.CloseAsync(toClose.VisitId));

        var active = await HttpAssert.OkAsync<List<VisitSummaryDto>>(await Staff.GetAsync("/api/visits?status=active"));
        Assert.Equal(9.99m, active.Single(v => v.Id == open.VisitId).Balance);
        Assert.DoesNotContain(active, v => v.Id == toClose.VisitId);
        Assert.All(active, v => Assert.Equal(VisitStatus.Active, v.Status));
        var closed = await HttpAssert.OkAsync<List<VisitSummaryDto>>(await Staff.GetAsync("/api/visits?status=closed"));
        Assert.Contains(closed, v => v.Id == toClose.VisitId);
        await HttpAssert.ProblemAsync(await Staff.GetAsync("/api/visits?status=sleeping"), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await Staff.GetAsync($"/api/visits/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "not_found");
    }
}
