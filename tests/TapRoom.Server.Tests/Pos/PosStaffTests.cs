using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Pos;

public sealed class PosStaffTests
{
    [Fact]
    public async Task Manual_mode_leaves_entries_in_the_queue_until_staff_mark_them_done()
    {
        await using var host = await TapRoomHost.StartAsync(s => s["TapRoom:Pos:Mode"] = "manual");
        var ids = await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.TopUp, PosOutboxKind.Pour);
        host.Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(new DeliverPosOutbox.Result(0, 0, 0, 0), await host.SendAsync(new DeliverPosOutbox.Command()));
        Assert.All(await host.DbAsync(db => db.PosOutbox.AsNoTracking().ToListAsync()), e => Assert.Equal((PosOutboxStatus.Pending, 0), (e.Status, e.Attempts)));

        using var anonymous = host.CreateClient();
        await HttpAssert.ProblemAsync(await anonymous.PostAsJsonAsync($"/api/pos/outbox/{ids[0]}/mark-done", new { comment = "keyed in" }), HttpStatusCode.Unauthorized, "unauthenticated");
        await HttpAssert.ProblemAsync(await anonymous.GetAsync("/api/pos/outbox"), HttpStatusCode.Unauthorized, "unauthenticated");

        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var queue = await HttpAssert.OkAsync<List<PosOutboxEntryDto>>(await staff.GetAsync("/api/pos/outbox?status=pending"));
        Assert.Equal(ids.AsEnumerable().Reverse(), queue.Select(e => e.Id));

        var problem = await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync($"/api/pos/outbox/{ids[0]}/mark-done", new { comment = " " }), HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("comment", out _));
        var done = await HttpAssert.OkAsync<PosOutboxEntryDto>(await staff.PostAsJsonAsync($"/api/pos/outbox/{ids[0]}/mark-done", new { comment = "keyed into the till, receipt 4711" }));
        Assert.Equal((PosOutboxStatus.ManualDone, host.Time.GetUtcNow().UtcDateTime, (DateTime?)null), (done.Status, done.SentAt, done.NextAttemptAt));

        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync($"/api/pos/outbox/{ids[0]}/mark-done", new { comment = "again" }), HttpStatusCode.Conflict, "pos_entry_already_settled");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/pos/outbox/{ids[0]}/retry", null), HttpStatusCode.Conflict, "pos_entry_not_retryable");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/pos/outbox/{ids[1]}/retry", null), HttpStatusCode.Conflict, "pos_entry_not_retryable");
        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync("/api/pos/outbox/999999/mark-done", new { comment = "x" }), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/pos/outbox/999999/retry", null), HttpStatusCode.NotFound, "not_found");

        var key = (await PosArrange.EntryAsync(host, ids[0])).IdempotencyKey;
        var audit = await host.DbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.Action == "pos.marked_done"));
        Assert.Equal(("staff", "pos_outbox", (Guid?)key), (audit.ActorType, audit.SubjectType, audit.SubjectId));
        Assert.Equal("keyed into the till, receipt 4711", JsonDocument.Parse(audit.DetailsJson).RootElement.GetProperty("comment").GetString());
        Assert.Equal(3, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "retry_pos_entry.rejected")));
        Assert.Equal(2, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "mark_pos_entry_done.rejected")));
        Assert.Equal(PosOutboxStatus.Pending, (await PosArrange.EntryAsync(host, ids[1])).Status);
    }

    [Fact]
    public async Task The_queue_lists_newest_first_with_attempts_next_attempt_and_last_error_and_filters_by_status()
    {
        await using var receiver = await PosReceiver.StartAsync();
        await using var host = await TapRoomHost.StartAsync(PosArrange.Webhook(receiver, s => s["TapRoom:Pos:MaxAttempts"] = "2"));
        // Entry 1 is delivered; entries 2 and 3 fail; 2 then fails again and is dead.
        var ids = await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.TopUp);
        Assert.Equal(1, (await host.SendAsync(new DeliverPosOutbox.Command())).Delivered);
        ids.AddRange(await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.Refund, PosOutboxKind.Pour));
        receiver.Down = true;
        Assert.Equal(2, (await host.SendAsync(new DeliverPosOutbox.Command())).Failed);
        await host.DbAsync(async db =>
        {
            var e = await db.PosOutbox.SingleAsync(x => x.Id == ids[1]);
            e.NextAttemptAt = host.Time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync();
        });
        await host.SendAsync(new DeliverPosOutbox.Command());

        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var all = await HttpAssert.OkAsync<List<PosOutboxEntryDto>>(await staff.GetAsync("/api/pos/outbox"));
        Assert.Equal(ids.AsEnumerable().Reverse(), all.Select(e => e.Id));
        var (pour, refund, topUp) = (all[0], all[1], all[2]);
        Assert.Equal((PosOutboxKind.Pour, PosOutboxStatus.Pending, 1), (pour.Kind, pour.Status, pour.Attempts));
        Assert.Equal(host.Time.GetUtcNow().UtcDateTime + PosBackoff.Delay(ids[2], 1, 5, 3600), pour.NextAttemptAt);
        Assert.StartsWith("HTTP 503", pour.LastError);
        Assert.Equal((PosOutboxKind.Refund, PosOutboxStatus.Dead, 2, (DateTime?)null), (refund.Kind, refund.Status, refund.Attempts, refund.NextAttemptAt));
        Assert.Equal((PosOutboxKind.TopUp, PosOutboxStatus.Sent), (topUp.Kind, topUp.Status));
        Assert.Equal(3.25m, pour.Payload.GetProperty("amount").GetDecimal());

        async Task<long[]> Ids(string status) =>
            (await HttpAssert.OkAsync<List<PosOutboxEntryDto>>(await staff.GetAsync($"/api/pos/outbox?status={status}"))).Select(e => e.Id).ToArray();
        Assert.Equal([ids[2]], await Ids("failed"));
        Assert.Equal([ids[2]], await Ids("pending"));
        Assert.Equal([ids[1]], await Ids("dead"));
        Assert.Equal([ids[0]], await Ids("sent"));
        Assert.Empty(await Ids("manual_done"));
        Assert.Equal([ids[2]], (await HttpAssert.OkAsync<List<PosOutboxEntryDto>>(await staff.GetAsync("/api/pos/outbox?limit=1"))).Select(e => e.Id));
        await HttpAssert.ProblemAsync(await staff.GetAsync("/api/pos/outbox?status=lost"), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await staff.GetAsync("/api/pos/outbox?limit=0"), HttpStatusCode.BadRequest, "validation_failed");
        await HttpAssert.ProblemAsync(await staff.GetAsync("/api/pos/outbox?limit=100000"), HttpStatusCode.BadRequest, "validation_failed");

        // A failed entry can be retried now, its attempts start again; a dead letter can also be settled by hand.
        var retried = await HttpAssert.OkAsync<PosOutboxEntryDto>(await staff.PostAsync($"/api/pos/outbox/{ids[2]}/retry", null));
        Assert.Equal((PosOutboxStatus.Pending, 0, host.Time.GetUtcNow().UtcDateTime), (retried.Status, retried.Attempts, retried.NextAttemptAt));
        var settled = await HttpAssert.OkAsync<PosOutboxEntryDto>(await staff.PostAsJsonAsync($"/api/pos/outbox/{ids[1]}/mark-done", new { comment = "refunded at the till by hand" }));
        Assert.Equal(PosOutboxStatus.ManualDone, settled.Status);
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/pos/outbox/{ids[0]}/retry", null), HttpStatusCode.Conflict, "pos_entry_not_retryable");

        receiver.Down = false;
        Assert.Equal(new DeliverPosOutbox.Result(1, 1, 0, 0), await host.SendAsync(new DeliverPosOutbox.Command()));
        Assert.Equal(PosOutboxStatus.Sent, (await PosArrange.EntryAsync(host, ids[2])).Status);
        Assert.Equal(PosOutboxStatus.ManualDone, (await PosArrange.EntryAsync(host, ids[1])).Status);
    }

    [Fact]
    public async Task A_late_result_does_not_undo_what_staff_did_meanwhile()
    {
        await using var host = await TapRoomHost.StartAsync(s => s["TapRoom:Pos:Mode"] = "log");
        var ids = await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.TopUp, PosOutboxKind.Pour);

        // Entry 1: claimed, then settled by hand while the till was still answering; the late success changes nothing.
        var first = (await host.SendAsync(new ClaimPosEntries.Command(1))).Entries.Single();
        await host.SendAsync(new MarkPosEntryDone.Command(first.Id, "phoned the till"));
        Assert.Equal(RecordPosDelivery.Outcome.Ignored, await host.SendAsync(new RecordPosDelivery.Command(first.Id, first.Attempt, true, null)));
        Assert.Equal(PosOutboxStatus.ManualDone, (await PosArrange.EntryAsync(host, ids[0])).Status);

        // Entry 2: fails, is retried by staff and claimed again; the first attempt's late failure is not counted.
        var second = (await host.SendAsync(new ClaimPosEntries.Command(1))).Entries.Single();
        Assert.Equal(ids[1], second.Id);
        Assert.Equal(RecordPosDelivery.Outcome.WillRetry, await host.SendAsync(new RecordPosDelivery.Command(second.Id, second.Attempt, false, "HTTP 500")));
        await host.SendAsync(new RetryPosEntry.Command(second.Id));
        var again = (await host.SendAsync(new ClaimPosEntries.Command(1))).Entries.Single();
        Assert.Equal(RecordPosDelivery.Outcome.Ignored, await host.SendAsync(new RecordPosDelivery.Command(second.Id, 5, false, "stale")));
        Assert.Equal(RecordPosDelivery.Outcome.Delivered, await host.SendAsync(new RecordPosDelivery.Command(again.Id, again.Attempt, true, null)));
        var entry = await PosArrange.EntryAsync(host, ids[1]);
        Assert.Equal((PosOutboxStatus.Sent, 1, "HTTP 500"), (entry.Status, entry.Attempts, entry.LastError));
    }

    [Fact]
    public async Task An_entry_whose_last_attempt_never_recorded_a_result_is_dead_lettered_not_tried_again()
    {
        await using var host = await TapRoomHost.StartAsync(s => s["TapRoom:Pos:MaxAttempts"] = "1");
        var id = (await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.Pour)).Single();
        Assert.Equal(id, (await host.SendAsync(new ClaimPosEntries.Command(1))).Entries.Single().Id);
        // The server stopped before recording; the lease runs out.
        host.Time.Advance(TimeSpan.FromSeconds(new PosOptions().LeaseSeconds));

        Assert.Equal(new DeliverPosOutbox.Result(0, 0, 0, 1), await host.SendAsync(new DeliverPosOutbox.Command()));
        var entry = await PosArrange.EntryAsync(host, id);
        Assert.Equal((PosOutboxStatus.Dead, 1), (entry.Status, entry.Attempts));
        var alert = await host.DbAsync(db => db.Alerts.AsNoTracking().SingleAsync());
        Assert.Equal(("pos_dead_letter", entry.IdempotencyKey), (alert.Type, alert.SubjectId));
        Assert.Contains("never recorded a result", alert.Message);
    }
}
