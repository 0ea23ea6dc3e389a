using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Domain;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Pos;

/// <summary>
/// <see cref="RecordPosDeliveries"/> records a whole chunk with one read and a set-based update; these tests hold it to
/// the rules of the single-entry <see cref="RecordPosDelivery"/>, outcome by outcome and audit event by audit event.
/// </summary>
public sealed class PosRecordChunkTests
{
    private static readonly string[] Roles = ["delivered", "delivered_too", "fails_now", "fails_late", "fails_last", "settled_by_staff", "deleted", "untried"];

    private sealed record Scenario(
        Dictionary<string, long> Ids,
        List<RecordPosDelivery.Command> Results,
        ClaimPosEntries.Claim Untried,
        long AuditBefore);

    /// <summary>One entry per role, each brought to the state its result will meet, all claimed by one run.</summary>
    private static async Task<Scenario> ArrangeAsync(TapRoomHost host)
    {
        // "fails_late": its first claim ran out (the server stopped during the POST) and another run claimed it again:
        // the first attempt's failure arrives late. "fails_last": failed once, is on its last attempt (MaxAttempts 2).
        var early = await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.Pour, PosOutboxKind.TopUp);
        var firstClaims = (await host.SendAsync(new ClaimPosEntries.Command(2))).Entries;
        Assert.Equal(RecordPosDelivery.Outcome.WillRetry, await host.SendAsync(new RecordPosDelivery.Command(early[1], 1, false, "HTTP 502 Bad Gateway")));
        host.Time.Advance(TimeSpan.FromSeconds(new PosOptions().LeaseSeconds));
        var secondClaims = (await host.SendAsync(new ClaimPosEntries.Command(2))).Entries;
        Assert.Equal([(early[0], 2), (early[1], 2)], secondClaims.Select(c => (c.Id, c.Attempt)));

        var later = await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.Pour, PosOutboxKind.Refund, PosOutboxKind.TopUp, PosOutboxKind.Pour, PosOutboxKind.Pour, PosOutboxKind.TopUp);
        var claims = (await host.SendAsync(new ClaimPosEntries.Command(25))).Entries;
        Assert.Equal(later, claims.Select(c => c.Id));
        Assert.All(claims, c => Assert.Equal(1, c.Attempt));
        var ids = new Dictionary<string, long>
        {
            ["fails_late"] = early[0], ["fails_last"] = early[1],
            ["delivered"] = later[0], ["fails_now"] = later[1], ["settled_by_staff"] = later[2],
            ["deleted"] = later[3], ["delivered_too"] = later[4], ["untried"] = later[5],
        };

        // While the till answered, staff settled one entry by hand and another was deleted.
        await host.SendAsync(new MarkPosEntryDone.Command(ids["settled_by_staff"], "keyed into the till"));
        await host.DbAsync(db => db.PosOutbox.Where(e => e.Id == ids["deleted"]).ExecuteDeleteAsync());
        host.Time.Advance(TimeSpan.FromSeconds(3));

        var results = new List<RecordPosDelivery.Command>
        {
            new(ids["delivered"], 1, true, null),
            new(ids["fails_now"], 1, false, "HTTP 500 Internal Server Error"),
            new(ids["fails_late"], firstClaims[0].Attempt, false, "timed out after 5 s"),
            new(ids["fails_last"], 2, false, "HTTP 503 Service Unavailable"),
            new(ids["settled_by_staff"], 1, true, null),
            new(ids["deleted"], 1, true, null),
            new(ids["delivered_too"], 1, true, null),
        };
        var auditBefore = await host.DbAsync(db => db.AuditEvents.MaxAsync(e => e.Id));
        return new Scenario(ids, results, claims.Single(c => c.Id == ids["untried"]), auditBefore);
    }

    private static Task<TapRoomHost> StartAsync() => TapRoomHost.StartAsync(s =>
    {
        s["TapRoom:Pos:Mode"] = "log";
        s["TapRoom:Pos:MaxAttempts"] = "2";
    });

    /// <summary>Per role: the entry's state relative to the host's clock, and the audit actions written by the recording.</summary>
    private static async Task<Dictionary<string, string>> SnapshotAsync(TapRoomHost host, Scenario scenario)
    {
        var now = host.Time.GetUtcNow().UtcDateTime;
        var entries = await host.DbAsync(db => db.PosOutbox.AsNoTracking().ToDictionaryAsync(e => e.Id));
        var audit = await host.DbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Id > scenario.AuditBefore).ToListAsync());
        var alerts = await host.DbAsync(db => db.Alerts.AsNoTracking().Where(a => a.Type == "pos_dead_letter").ToListAsync());
        return Roles.ToDictionary(role => role, role =>
        {
            if (!entries.TryGetValue(scenario.Ids[role], out var e)) return "gone";
            var actions = audit.Where(a => a.SubjectId == e.IdempotencyKey).Select(a => a.Action).Order();
            return $"{e.Status} attempts={e.Attempts} next={e.NextAttemptAt - now} sent={e.SentAt - now} error={e.LastError} " +
                   $"audit=[{string.Join(",", actions)}] alerts={alerts.Count(a => a.SubjectId == e.IdempotencyKey)}";
        });
    }

    [Fact]
    public async Task A_chunk_with_mixed_results_records_each_as_the_single_entry_path_would_with_one_audit_event_per_change()
    {
        await using var host = await StartAsync();
        var scenario = await ArrangeAsync(host);
        var now = host.Time.GetUtcNow().UtcDateTime;

        var outcomes = await host.SendAsync(new RecordPosDeliveries.Command(scenario.Results, [scenario.Untried]));

        Assert.Equal(
        [
            RecordPosDelivery.Outcome.Delivered, RecordPosDelivery.Outcome.WillRetry, RecordPosDelivery.Outcome.Ignored,
            RecordPosDelivery.Outcome.DeadLettered, RecordPosDelivery.Outcome.Ignored, RecordPosDelivery.Outcome.Ignored,
            RecordPosDelivery.Outcome.Delivered,
        ], outcomes);
        var id = scenario.Ids;
        var lease = TimeSpan.FromSeconds(new PosOptions().LeaseSeconds);
        var entry = (string role) => PosArrange.EntryAsync(host, id[role]);

        foreach (var role in new[] { "delivered", "delivered_too" })
        {
            var e = await entry(role);
            Assert.Equal((PosOutboxStatus.Sent, 1, (DateTime?)now, (string?)null), (e.Status, e.Attempts, e.SentAt, e.LastError));
        }
        var failsNow = await entry("fails_now");
        Assert.Equal((PosOutboxStatus.Pending, 1, "HTTP 500 Internal Server Error", (DateTime?)null), (failsNow.Status, failsNow.Attempts, failsNow.LastError, failsNow.SentAt));
        Assert.Equal(now + PosBackoff.Delay(id["fails_now"], 1, 5, 3600), failsNow.NextAttemptAt);
        // The late failure of a superseded attempt changes nothing: the entry keeps its second claim.
        var failsLate = await entry("fails_late");
        Assert.Equal((PosOutboxStatus.Pending, 2, (string?)null), (failsLate.Status, failsLate.Attempts, failsLate.LastError));
        Assert.Equal(now - TimeSpan.FromSeconds(3) + lease, failsLate.NextAttemptAt);
        var failsLast = await entry("fails_last");
        Assert.Equal((PosOutboxStatus.Dead, 2, "HTTP 503 Service Unavailable"), (failsLast.Status, failsLast.Attempts, failsLast.LastError));
        Assert.Equal((PosOutboxStatus.ManualDone, 1), ((await entry("settled_by_staff")).Status, (await entry("settled_by_staff")).Attempts));
        Assert.False(await host.DbAsync(db => db.PosOutbox.AnyAsync(e => e.Id == id["deleted"])));
        var untried = await entry("untried");
        Assert.Equal((PosOutboxStatus.Pending, 0, now, (string?)null), (untried.Status, untried.Attempts, untried.NextAttemptAt, untried.LastError));

        // One audit event per change of state, each naming its entry; nothing for what was ignored or released.
        var audit = await host.DbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Id > scenario.AuditBefore).ToListAsync());
        var keys = new Dictionary<Guid, string>();
        foreach (var role in Roles.Where(r => r != "deleted")) keys[(await entry(role)).IdempotencyKey] = role;
        Assert.Equal(
            ["alert:alert.raised", "delivered:pos.delivered", "delivered_too:pos.delivered", "fails_last:pos.dead_lettered", "fails_now:pos.delivery_failed"],
            audit.Select(a => $"{(a.SubjectType == "alert" ? "alert" : keys[a.SubjectId!.Value])}:{a.Action}").Order());
        Assert.All(audit, a => Assert.Equal(("system", "system", (Guid?)null, now), (a.ActorType, a.ActorName, a.ActorId, a.At)));
        var delivered = audit.Single(a => a.SubjectId == keys.Single(k => k.Value == "delivered").Key);
        var details = System.Text.Json.JsonDocument.Parse(delivered.DetailsJson).RootElement;
        Assert.Equal(("pos_outbox", id["delivered"], 1), (delivered.SubjectType, details.GetProperty("entryId").GetInt64(), details.GetProperty("attempts").GetInt32()));
        var alert = await host.DbAsync(db => db.Alerts.AsNoTracking().SingleAsync(a => a.Type == "pos_dead_letter"));
        Assert.Equal((failsLast.IdempotencyKey, (Guid?)alert.Id), (alert.SubjectId, audit.Single(a => a.SubjectType == "alert").SubjectId));
    }

    [Fact]
    public async Task A_chunk_and_the_same_results_recorded_one_by_one_leave_the_same_entries_and_audit()
    {
        await using var chunked = await StartAsync();
        var a = await ArrangeAsync(chunked);
        await chunked.SendAsync(new RecordPosDeliveries.Command(a.Results));

        await using var single = await StartAsync();
        var b = await ArrangeAsync(single);
        foreach (var result in b.Results)
        {
            try
            {
                await single.SendAsync(result);
            }
            catch (NotFoundException)
            {
                // the deleted entry: nothing to record
            }
        }

        var expected = await SnapshotAsync(single, b);
        var actual = await SnapshotAsync(chunked, a);
        foreach (var role in Roles) Assert.Equal((role, expected[role]), (role, actual[role]));
        Assert.Equal("gone", actual["deleted"]);
    }
}
