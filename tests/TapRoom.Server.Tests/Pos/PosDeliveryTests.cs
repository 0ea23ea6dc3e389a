using System.Text.Json;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Pos;

public sealed class PosDeliveryTests
{
    private static Task<DeliverPosOutbox.Result> DeliverAsync(TapRoomHost host) => host.SendAsync(new DeliverPosOutbox.Command());

    [Fact]
    public async Task A_till_that_fails_three_times_gets_the_entry_exactly_once_on_the_predicted_schedule()
    {
        const int failures = 3;
        await using var receiver = await PosReceiver.StartAsync(failFirst: failures);
        var dataDir = Path.Combine(Path.GetTempPath(), "taproom-tests", Guid.NewGuid().ToString("N"));
        var host = await TapRoomHost.StartAsync(PosArrange.Webhook(receiver, s => s["Serilog:MinimumLevel:Default"] = "Debug"), dataDir);
        try
        {
            var id = (await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.TopUp)).Single();
            var key = (await PosArrange.EntryAsync(host, id)).IdempotencyKey;

            for (var attempt = 1; attempt <= failures; attempt++)
            {
                var result = await DeliverAsync(host);
                Assert.Equal(new DeliverPosOutbox.Result(1, 0, 1, 0), result);
                var entry = await PosArrange.EntryAsync(host, id);
                var now = host.Time.GetUtcNow().UtcDateTime;
                var nominal = TimeSpan.FromSeconds(5 * Math.Pow(2, attempt - 1));
                var delay = entry.NextAttemptAt - now;
                Assert.Equal((PosOutboxStatus.Pending, attempt), (entry.Status, entry.Attempts));
                Assert.Equal(PosBackoff.Delay(id, attempt, 5, 3600), delay);
                Assert.InRange(delay, nominal * 0.9, nominal * 1.1);
                Assert.Equal("HTTP 503 Service Unavailable: till busy: try later", entry.LastError);

                host.Time.Advance(delay - TimeSpan.FromMilliseconds(1));
                Assert.Equal(0, (await DeliverAsync(host)).Claimed);
                host.Time.Advance(TimeSpan.FromMilliseconds(1));
            }

            Assert.Equal(new DeliverPosOutbox.Result(1, 1, 0, 0), await DeliverAsync(host));
            var sent = await PosArrange.EntryAsync(host, id);
            Assert.Equal((PosOutboxStatus.Sent, failures + 1, host.Time.GetUtcNow().UtcDateTime), (sent.Status, sent.Attempts, sent.SentAt));
            host.Time.Advance(TimeSpan.FromHours(2));
            Assert.Equal(0, (await DeliverAsync(host)).Claimed);

            var requests = receiver.Requests.ToList();
            Assert.Equal(failures + 1, requests.Count);
            Assert.All(requests, r => Assert.Equal(key.ToString(), r.IdempotencyKey));
            Assert.Equal([503, 503, 503, 200], requests.Select(r => r.Status));
            Assert.Equal(1, receiver.Applied[key.ToString()]);
            Assert.All(requests, r => Assert.True(PosReceiver.SignatureIsValid(PosReceiver.Secret, r.Timestamp, r.Signature, r.Body)));

            var actions = await host.DbAsync(db => db.AuditEvents.Where(e => e.SubjectId == key).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
            Assert.Equal(["pos.delivery_failed", "pos.delivery_failed", "pos.delivery_failed", "pos.delivered"], actions);
        }
        finally
        {
            await host.DisposeAsync();
        }
        var logs = string.Concat(Directory.GetFiles(Path.Combine(dataDir, "logs")).Select(f => File.ReadAllText(f)));
        Assert.Contains("failed", logs);
        Assert.Contains("503", logs);
        Assert.DoesNotContain(PosReceiver.Secret, logs);
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task The_till_can_tell_a_right_signature_from_a_wrong_one()
    {
        await using var receiver = await PosReceiver.StartAsync();
        await using var host = await TapRoomHost.StartAsync(PosArrange.Webhook(receiver));
        var ids = await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.Pour, PosOutboxKind.Refund);
        Assert.Equal(2, (await DeliverAsync(host)).Delivered);

        var requests = receiver.Requests.ToList();
        Assert.Equal(2, requests.Count);
        for (var i = 0; i < 2; i++)
        {
            var entry = await PosArrange.EntryAsync(host, ids[i]);
            var r = requests[i];
            Assert.Equal(entry.IdempotencyKey.ToString(), r.IdempotencyKey);
            Assert.Equal(i == 0 ? "pour" : "refund", r.Event);
            Assert.Equal("application/json", r.ContentType?.Split(';')[0]);
            Assert.Equal(host.Time.GetUtcNow().ToUnixTimeSeconds().ToString(), r.Timestamp);
            var body = JsonDocument.Parse(r.Body).RootElement;
            Assert.Equal(r.Event, body.GetProperty("event").GetString());
            Assert.Equal(r.IdempotencyKey, body.GetProperty("idempotencyKey").GetString());
            Assert.Equal(entry.LedgerEntryId, body.GetProperty("data").GetProperty("ledgerEntryId").GetGuid());
            Assert.Equal(i == 0 ? 3.25m : 5m, body.GetProperty("data").GetProperty("amount").GetDecimal());

            Assert.True(PosReceiver.SignatureIsValid(PosReceiver.Secret, r.Timestamp, r.Signature, r.Body));
            Assert.False(PosReceiver.SignatureIsValid("a-wrong-secret-of-the-same-length-0123", r.Timestamp, r.Signature, r.Body));
            Assert.False(PosReceiver.SignatureIsValid(PosReceiver.Secret, r.Timestamp, r.Signature, r.Body.Replace("3.25", "0.25").Replace(":5", ":1")));
            Assert.False(PosReceiver.SignatureIsValid(PosReceiver.Secret, (long.Parse(r.Timestamp!) + 1).ToString(), r.Signature, r.Body));
        }
    }

    [Fact]
    public async Task The_server_stopped_during_a_delivery_loses_nothing_and_redelivers_only_with_the_same_key()
    {
        await using var receiver = await PosReceiver.StartAsync();
        Action<Dictionary<string, string?>> settings = PosArrange.Webhook(receiver, s =>
        {
            s["TapRoom:Pos:TimeoutSeconds"] = "30";
            s["TapRoom:Jobs:Enabled"] = "true";
            s["TapRoom:Jobs:PosOutboxSeconds"] = "1";
        });
        // The till takes the first request, applies it, and then hangs without answering.
        receiver.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TapRoomHost.StartAsync(settings);
        var ids = await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.TopUp, PosOutboxKind.Pour, PosOutboxKind.Pour);
        var keys = (await host.DbAsync(db => db.PosOutbox.OrderBy(e => e.Id).Select(e => e.IdempotencyKey).ToListAsync())).Select(k => k.ToString()).ToList();
        await receiver.Held.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // Meanwhile the bar goes on: a money movement commits while the POS call is in flight (no lock is held).
        var duringDelivery = (await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.TopUp).WaitAsync(TimeSpan.FromSeconds(10))).Single();
        Assert.Equal(keys[0], Assert.Single(receiver.Requests).IdempotencyKey);

        // The server goes down mid-request, before it hears the answer, and comes back on the same data directory.
        receiver.Hold = null;
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await host.RestartAsync(settings);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"the stop waited {stopwatch.Elapsed} for the till");

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && await host.DbAsync(db => db.PosOutbox.CountAsync(e => e.Status == PosOutboxStatus.Sent)) < 3)
            await Task.Delay(100);
        var crashed = await PosArrange.EntryAsync(host, ids[0]);
        Assert.Equal((PosOutboxStatus.Pending, 1, (string?)null), (crashed.Status, crashed.Attempts, crashed.LastError));
        Assert.Equal(3, await host.DbAsync(db => db.PosOutbox.CountAsync(e => e.Status == PosOutboxStatus.Sent)));

        // Its claim runs out and the job delivers it again, with the same key.
        host.Time.Advance(TimeSpan.FromSeconds(new PosOptions().LeaseSeconds));
        deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && (await PosArrange.EntryAsync(host, ids[0])).Status != PosOutboxStatus.Sent)
            await Task.Delay(100);

        var entries = await host.DbAsync(db => db.PosOutbox.OrderBy(e => e.Id).ToListAsync());
        Assert.Equal(4, entries.Count);
        Assert.All(entries, e => Assert.Equal(PosOutboxStatus.Sent, e.Status));
        Assert.Equal(duringDelivery, entries[3].Id);
        Assert.Equal(2, entries[0].Attempts);

        var requests = receiver.Requests.ToList();
        Assert.Equal(5, requests.Count);
        Assert.Equal(2, requests.Count(r => r.IdempotencyKey == keys[0]));
        Assert.All(entries.Skip(1), e => Assert.Single(requests, r => r.IdempotencyKey == e.IdempotencyKey.ToString()));
        Assert.Equal(entries.Select(e => e.IdempotencyKey.ToString()).Order(), receiver.Applied.Keys.Order());
        Assert.Equal(2, receiver.Applied[keys[0]]);
    }

    [Fact]
    public async Task A_till_down_all_night_dead_letters_each_entry_with_one_alert_and_a_retry_delivers_them()
    {
        await using var receiver = await PosReceiver.StartAsync();
        receiver.Down = true;
        await using var host = await TapRoomHost.StartAsync(PosArrange.Webhook(receiver, s =>
        {
            s["TapRoom:Pos:MaxAttempts"] = "3";
            s["TapRoom:Pos:BatchSize"] = "10";
        }));
        var kinds = Enumerable.Range(0, 24).Select(i => (PosOutboxKind)(i % 3)).ToArray();
        var ids = new List<long>();
        for (var hour = 0; hour < 3; hour++)
        {
            // The bar keeps taking money while every delivery fails.
            ids.AddRange(await PosArrange.MoneyMovementsAsync(host, kinds[(hour * 8)..(hour * 8 + 8)]));
            for (var run = 0; run < 4; run++)
            {
                var result = await DeliverAsync(host);
                Assert.True(result.Claimed <= 10);
                Assert.Equal(0, result.Delivered);
            }
            host.Time.Advance(TimeSpan.FromHours(1));
        }
        for (var run = 0; run < 20 && await host.DbAsync(db => db.PosOutbox.AnyAsync(e => e.Status == PosOutboxStatus.Pending)); run++)
        {
            await DeliverAsync(host);
            host.Time.Advance(TimeSpan.FromHours(1));
        }

        var entries = await host.DbAsync(db => db.PosOutbox.AsNoTracking().ToListAsync());
        Assert.Equal(24, entries.Count);
        Assert.All(entries, e => Assert.Equal((PosOutboxStatus.Dead, 3), (e.Status, e.Attempts)));
        Assert.Equal(24 * 3, receiver.Requests.Count);
        Assert.Empty(receiver.Applied);
        var alerts = await host.DbAsync(db => db.Alerts.AsNoTracking().Where(a => a.Type == "pos_dead_letter").ToListAsync());
        Assert.Equal(entries.Select(e => e.IdempotencyKey).Order(), alerts.Select(a => a.SubjectId).Order());
        Assert.All(alerts, a => Assert.Equal((AlertSeverity.Warning, "pos_outbox", 1), (a.Severity, a.SubjectType, a.OccurrenceCount)));
        Assert.Equal(24, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "pos.dead_lettered")));

        // Morning: the till is back and staff retry every dead letter.
        receiver.Down = false;
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var dead = await HttpAssert.OkAsync<List<PosOutboxEntryDto>>(await staff.GetAsync("/api/pos/outbox?status=dead&limit=500"));
        Assert.Equal(24, dead.Count);
        foreach (var entry in dead)
        {
            var retried = await HttpAssert.OkAsync<PosOutboxEntryDto>(await staff.PostAsync($"/api/pos/outbox/{entry.Id}/retry", null));
            Assert.Equal((PosOutboxStatus.Pending, 0, host.Time.GetUtcNow().UtcDateTime), (retried.Status, retried.Attempts, retried.NextAttemptAt));
        }
        for (var run = 0; run < 3; run++) await DeliverAsync(host);

        entries = await host.DbAsync(db => db.PosOutbox.AsNoTracking().ToListAsync());
        Assert.All(entries, e => Assert.Equal((PosOutboxStatus.Sent, 1), (e.Status, e.Attempts)));
        Assert.Equal(entries.Select(e => e.IdempotencyKey.ToString()).Order(), receiver.Applied.Keys.Order());
        Assert.All(receiver.Applied.Values, n => Assert.Equal(1, n));
        Assert.Equal(24, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "pos.retried" && e.ActorType == "staff")));
    }

    [Fact]
    public async Task Two_delivery_runs_at_once_claim_different_entries_and_deliver_each_once()
    {
        await using var receiver = await PosReceiver.StartAsync();
        await using var host = await TapRoomHost.StartAsync(PosArrange.Webhook(receiver, s => s["TapRoom:Pos:BatchSize"] = "5"));
        await PosArrange.MoneyMovementsAsync(host, Enumerable.Repeat(PosOutboxKind.Pour, 10).ToArray());

        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => DeliverAsync(host))));

        Assert.Equal(10, results.Sum(r => r.Delivered));
        Assert.Equal(10, receiver.Requests.Count);
        Assert.Equal(10, receiver.Applied.Count);
        Assert.All(receiver.Applied.Values, n => Assert.Equal(1, n));
        Assert.Equal(10, await host.DbAsync(db => db.PosOutbox.CountAsync(e => e.Status == PosOutboxStatus.Sent && e.Attempts == 1)));
    }

    [Fact]
    public async Task A_timeout_and_a_refused_connection_are_failures_with_their_reason()
    {
        await using var receiver = await PosReceiver.StartAsync();
        receiver.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (var host = await TapRoomHost.StartAsync(PosArrange.Webhook(receiver, s => s["TapRoom:Pos:TimeoutSeconds"] = "1")))
        {
            var id = (await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.TopUp)).Single();
            Assert.Equal(1, (await DeliverAsync(host)).Failed);
            Assert.Equal("timed out after 1 s", (await PosArrange.EntryAsync(host, id)).LastError);
        }

        var closedPort = System.Net.Sockets.TcpListener.Create(0);
        closedPort.Start();
        var port = ((System.Net.IPEndPoint)closedPort.LocalEndpoint).Port;
        closedPort.Stop();
        await using (var host = await TapRoomHost.StartAsync(s =>
        {
            s["TapRoom:Pos:Mode"] = "webhook";
            s["TapRoom:Pos:WebhookUrl"] = $"http://127.0.0.1:{port}/till";
            s["TapRoom:Pos:WebhookSecret"] = PosReceiver.Secret;
        }))
        {
            var id = (await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.Refund)).Single();
            Assert.Equal(1, (await DeliverAsync(host)).Failed);
            var entry = await PosArrange.EntryAsync(host, id);
            Assert.StartsWith("connection failed:", entry.LastError);
            Assert.Equal((PosOutboxStatus.Pending, 1), (entry.Status, entry.Attempts));
        }
    }

    [Fact]
    public async Task The_delivery_job_runs_inside_the_server()
    {
        await using var receiver = await PosReceiver.StartAsync();
        await using var host = await TapRoomHost.StartAsync(PosArrange.Webhook(receiver, s =>
        {
            s["TapRoom:Jobs:Enabled"] = "true";
            s["TapRoom:Jobs:PosOutboxSeconds"] = "1";
        }));
        var id = (await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.TopUp)).Single();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && (await PosArrange.EntryAsync(host, id)).Status != PosOutboxStatus.Sent)
            await Task.Delay(100);

        var entry = await PosArrange.EntryAsync(host, id);
        Assert.Equal(PosOutboxStatus.Sent, entry.Status);
        Assert.Equal(entry.IdempotencyKey.ToString(), Assert.Single(receiver.Requests).IdempotencyKey);
        Assert.Equal("system", await host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "pos.delivered").Select(e => e.ActorType).SingleAsync()));
    }

    [Fact]
    public async Task Noop_mode_is_the_default_and_marks_entries_sent()
    {
        await using var host = await TapRoomHost.StartAsync();
        var ids = await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.TopUp, PosOutboxKind.Refund, PosOutboxKind.Pour);
        Assert.Equal(new DeliverPosOutbox.Result(3, 3, 0, 0), await DeliverAsync(host));
        foreach (var id in ids) Assert.Equal((PosOutboxStatus.Sent, 1), ((await PosArrange.EntryAsync(host, id)).Status, (await PosArrange.EntryAsync(host, id)).Attempts));
        Assert.Equal(0, (await DeliverAsync(host)).Claimed);
    }

    [Fact]
    public async Task Log_mode_writes_one_line_per_entry_and_marks_it_sent()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "taproom-tests", Guid.NewGuid().ToString("N"));
        Guid key;
        await using (var host = await TapRoomHost.StartAsync(s =>
        {
            s["TapRoom:Pos:Mode"] = "log";
            s["Serilog:MinimumLevel:Default"] = "Information";
        }, dataDir))
        {
            var id = (await PosArrange.MoneyMovementsAsync(host, PosOutboxKind.Refund)).Single();
            Assert.Equal(1, (await DeliverAsync(host)).Delivered);
            var entry = await PosArrange.EntryAsync(host, id);
            Assert.Equal(PosOutboxStatus.Sent, entry.Status);
            key = entry.IdempotencyKey;
        }
        var lines = Directory.GetFiles(Path.Combine(dataDir, "logs")).SelectMany(File.ReadAllLines).Where(l => l.Contains(key.ToString())).ToList();
        var line = JsonDocument.Parse(Assert.Single(lines)).RootElement;
        Assert.Equal("refund", line.GetProperty("PosEvent").GetString());
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public void The_backoff_doubles_from_five_seconds_with_ten_percent_jitter_and_is_capped_at_an_hour()
    {
        for (long id = 1; id <= 50; id++)
        {
            for (var attempt = 1; attempt <= 12; attempt++)
            {
                var nominal = Math.Min(5 * Math.Pow(2, attempt - 1), 3600);
                var delay = PosBackoff.Delay(id, attempt, 5, 3600);
                Assert.InRange(delay.TotalSeconds, nominal * 0.9, nominal * 1.1);
                Assert.Equal(delay, PosBackoff.Delay(id, attempt, 5, 3600));
            }
        }
        var spread = Enumerable.Range(1, 50).Select(id => PosBackoff.Delay(id, 1, 5, 3600)).Distinct().Count();
        Assert.True(spread > 40, $"only {spread} distinct first delays for 50 entries");
    }

    [Fact]
    public void Invalid_pos_settings_are_refused_at_start()
    {
        var validator = new PosOptionsValidator();
        Assert.True(validator.Validate(null, new PosOptions()).Succeeded);
        Assert.True(validator.Validate(null, new PosOptions { Mode = "Webhook", WebhookUrl = "https://till.example/hook", WebhookSecret = PosReceiver.Secret }).Succeeded);
        Assert.False(validator.Validate(null, new PosOptions { Mode = "fax" }).Succeeded);
        Assert.False(validator.Validate(null, new PosOptions { Mode = "webhook", WebhookSecret = PosReceiver.Secret }).Succeeded);
        Assert.False(validator.Validate(null, new PosOptions { Mode = "webhook", WebhookUrl = "ftp://till/x", WebhookSecret = PosReceiver.Secret }).Succeeded);
        Assert.False(validator.Validate(null, new PosOptions { Mode = "webhook", WebhookUrl = "https://till.example/hook", WebhookSecret = "short" }).Succeeded);
        Assert.False(validator.Validate(null, new PosOptions { MaxAttempts = 0 }).Succeeded);
        Assert.False(validator.Validate(null, new PosOptions { LeaseSeconds = 5 }).Succeeded);
    }

    [Fact]
    public async Task One_run_delivers_a_busy_nights_backlog_in_chunks_each_entry_once_and_records_a_failure_beside_the_successes()
    {
        // 130 money movements: several chunks (DeliverPosOutbox.Chunk). The till refuses the first request, so one entry of the first
        // chunk is recorded as a failure in the same transaction as its neighbours' successes.
        await using var receiver = await PosReceiver.StartAsync(failFirst: 1);
        await using var host = await TapRoomHost.StartAsync(PosArrange.Webhook(receiver));
        var kinds = Enumerable.Range(0, 130).Select(i => (PosOutboxKind)(i % 3)).ToArray();
        var ids = await PosArrange.MoneyMovementsAsync(host, kinds);

        var run = await DeliverAsync(host);

        Assert.Equal((130, 129, 1, 0), (run.Claimed, run.Delivered, run.Failed, run.DeadLettered));
        Assert.Equal(130, receiver.Requests.Count);
        Assert.Equal(129, receiver.Applied.Count);
        Assert.All(receiver.Applied.Values, n => Assert.Equal(1, n));
        var entries = await host.DbAsync(db => db.PosOutbox.AsNoTracking().Where(e => ids.Contains(e.Id)).ToListAsync());
        var failed = Assert.Single(entries, e => e.Status == PosOutboxStatus.Pending);
        Assert.Equal(ids.Min(), failed.Id); // oldest first: the first request was the oldest entry
        Assert.Equal(1, failed.Attempts);
        Assert.StartsWith("HTTP 503", failed.LastError);
        Assert.All(entries.Where(e => e.Id != failed.Id), e => Assert.Equal((PosOutboxStatus.Sent, 1), (e.Status, e.Attempts)));

        // Nothing else is due until the failed entry's backoff has passed.
        Assert.Equal(0, (await DeliverAsync(host)).Claimed);
    }
}
