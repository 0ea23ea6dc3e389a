using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pos;

/// <summary>
/// Delivers due outbox entries, at least once, oldest first, up to <see cref="PosOptions.BatchSize"/> per run.
/// Deliberately not an <see cref="ICommand{T}"/>: the POS is never called inside a database transaction (that would hold
/// SQLite's write lock for as long as the till takes to answer). Entries are claimed in chunks of up to
/// <see cref="Chunk"/> in one short transaction (<see cref="ClaimPosEntries"/>), delivered one by one with no transaction
/// open, and the chunk's results recorded in one more short transaction (<see cref="RecordPosDeliveries"/>): two writes
/// per chunk, not two per entry, so the outbox keeps up with a busy night (80 pours a second) without crowding the
/// single writer. A stop between a POST and the record leaves the claim to expire; the entry is then delivered again
/// with the same idempotency key.
/// </summary>
public static class DeliverPosOutbox
{
    /// <summary>Entries claimed, and their results recorded, in one transaction each.</summary>
    public const int Chunk = 25;

    public sealed record Command : IRequest<Result>;

    public sealed record Result(int Claimed, int Delivered, int Failed, int DeadLettered);

    public sealed class Handler(IMediator mediator, IPosAdapter adapter, IOptions<PosOptions> options) : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken cancellationToken)
        {
            if (!adapter.DeliversAutomatically) return new Result(0, 0, 0, 0);
            int claimedCount = 0, delivered = 0, failed = 0, dead = 0;
            while (claimedCount < options.Value.BatchSize)
            {
                var wanted = Math.Min(Chunk, options.Value.BatchSize - claimedCount);
                var claimed = await mediator.Send(new ClaimPosEntries.Command(wanted), cancellationToken);
                dead += claimed.DeadLettered;
                if (claimed.Entries.Count == 0)
                {
                    if (claimed.DeadLettered > 0) continue; // those were due but exhausted; more may be due behind them
                    break;
                }
                claimedCount += claimed.Entries.Count;
                var results = new List<RecordPosDelivery.Command>(claimed.Entries.Count);
                try
                {
                    foreach (var entry in claimed.Entries)
                    {
                        PosDeliveryResult outcome;
                        try
                        {
                            outcome = await adapter.NotifyAsync(entry.Kind, entry.IdempotencyKey, entry.PayloadJson, cancellationToken);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                        {
                            outcome = PosDeliveryResult.Failed($"{ex.GetType().Name}: {ex.Message}");
                        }
                        results.Add(new RecordPosDelivery.Command(entry.Id, entry.Attempt, outcome.Success, outcome.Error));
                    }
                }
                finally
                {
                    // The results known so far are recorded even while the server stops, so that a stop does not cause
                    // redeliveries of entries the till already has. The entry in flight at the stop keeps its claim (the
                    // till may have it: it is delivered again with the same key after the lease); the ones never tried
                    // are released, so that the next start delivers them at once.
                    var untried = claimed.Entries.Skip(results.Count + 1).ToList();
                    if (results.Count > 0 || untried.Count > 0)
                    {
                        var recorded = await mediator.Send(new RecordPosDeliveries.Command(results, untried), CancellationToken.None);
                        foreach (var outcome in recorded)
                        {
                            switch (outcome)
                            {
                                case RecordPosDelivery.Outcome.Delivered: delivered++; break;
                                case RecordPosDelivery.Outcome.WillRetry: failed++; break;
                                case RecordPosDelivery.Outcome.DeadLettered: failed++; dead++; break;
                            }
                        }
                    }
                }
                if (claimed.Entries.Count < wanted) break; // nothing more was due
            }
            return new Result(claimedCount, delivered, failed, dead);
        }
    }
}

/// <summary>
/// Claims up to <c>Max</c> of the oldest due entries (pending, next attempt reached) in one transaction: each claim counts
/// an attempt and keeps the entry from other runs for <see cref="PosOptions.LeaseSeconds"/>. SQLite's write lock (and
/// on PostgreSQL the serializable transaction) serialises two claims, so two runs at once never claim the same entry.
/// A due entry with all its attempts used is one whose last result was never recorded: it is dead-lettered.
/// </summary>
/// <remarks>
/// It holds the single writer, so it is short: one query reads the chunk (untracked: nothing of it is changed through
/// the change tracker but a rare dead letter) and one set-based UPDATE claims it, not one UPDATE per entry.
/// </remarks>
public static class ClaimPosEntries
{
    private static readonly string PendingText = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(nameof(PosOutboxStatus.Pending));

    public sealed record Command(int Max) : ICommand<Result>;

    public sealed record Claim(long Id, Guid IdempotencyKey, PosOutboxKind Kind, string PayloadJson, int Attempt);

    public sealed record Result(IReadOnlyList<Claim> Entries, int DeadLettered);

    public sealed class Handler(TapRoomDbContext db, TimeProvider time, IOptions<PosOptions> options, PosDeadLetters deadLetters)
        : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken cancellationToken)
        {
            var o = options.Value;
            var now = time.GetUtcNow().UtcDateTime;
            var max = Math.Clamp(request.Max, 1, 500);
            // PostgreSQL: the due rows are locked as they are read, and rows another run has locked are skipped, so two
            // runs at once (two instances) claim different entries. SQLite's one writer does the same by itself.
            var due = db.Database.IsNpgsql()
                ? await db.PosOutbox.FromSqlInterpolated($"""
                    SELECT * FROM "PosOutbox" WHERE "Status" = {PendingText} AND "NextAttemptAt" <= {now}
                    ORDER BY "Id" LIMIT {max} FOR UPDATE SKIP LOCKED
                    """).AsNoTracking().ToListAsync(cancellationToken)
                : await db.PosOutbox.AsNoTracking()
                    .Where(e => e.Status == PosOutboxStatus.Pending && e.NextAttemptAt <= now)
                    .OrderBy(e => e.Id)
                    .Take(max)
                    .ToListAsync(cancellationToken);
            var dead = 0;
            var claims = new List<Claim>(due.Count);
            foreach (var entry in due)
            {
                if (entry.Attempts >= o.MaxAttempts)
                {
                    db.PosOutbox.Attach(entry);
                    entry.LastError ??= "no result recorded";
                    await deadLetters.DeadLetterAsync(entry, $"attempt {entry.Attempts} never recorded a result (the server stopped during delivery); last error: {entry.LastError}", cancellationToken);
                    dead++;
                    continue;
                }
                claims.Add(new Claim(entry.Id, entry.IdempotencyKey, entry.Kind, entry.PayloadJson, entry.Attempts + 1));
            }
            if (claims.Count > 0)
            {
                var ids = claims.Select(c => c.Id).ToList();
                var lease = now.AddSeconds(o.LeaseSeconds);
                var claimed = await db.PosOutbox
                    .Where(e => ids.Contains(e.Id) && e.Status == PosOutboxStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(e => e.Attempts, e => e.Attempts + 1).SetProperty(e => e.NextAttemptAt, lease), cancellationToken);
                // The read and the UPDATE share the transaction, which no other writer can enter (SQLite) or whose rows it
                // holds locked (PostgreSQL): a difference means that promise broke, and nothing of the claim is kept.
                if (claimed != claims.Count)
                    throw new InvalidOperationException($"Claimed {claimed} of the {claims.Count} POS outbox entries read in the same transaction.");
            }
            return new Result(claims, dead);
        }
    }
}

/// <summary>
/// The results of a chunk of deliveries, each recorded exactly as <see cref="RecordPosDelivery"/> records one (the rules
/// live in <see cref="PosDeliveryRecorder"/>), in one transaction.
/// </summary>
/// <remarks>
/// It holds the single writer, so it is short: one query reads every entry of the chunk, the successes (nearly all of
/// them) are settled with one set-based UPDATE, and only the rare failure, dead letter or released claim goes through
/// the change tracker. Each delivered entry still gets its own <c>pos.delivered</c> audit event in the same transaction;
/// the chunk's audit events are inserted with one statement (<see cref="AuditTrail.SaveRecordedAsync"/>, ADR 0074).
/// </remarks>
public static class RecordPosDeliveries
{
    /// <param name="Results">One per delivery attempted, in order.</param>
    /// <param name="Untried">Claims never tried (the server stopped first): their claim is undone if nothing touched them since.</param>
    public sealed record Command(IReadOnlyList<RecordPosDelivery.Command> Results, IReadOnlyList<ClaimPosEntries.Claim>? Untried = null)
        : ICommand<IReadOnlyList<RecordPosDelivery.Outcome>>;

    public sealed class Handler(TapRoomDbContext db, TimeProvider time, PosDeliveryRecorder recorder, AuditTrail audit, DomainEvents events)
        : IRequestHandler<Command, IReadOnlyList<RecordPosDelivery.Outcome>>
    {
        public async Task<IReadOnlyList<RecordPosDelivery.Outcome>> Handle(Command request, CancellationToken cancellationToken)
        {
            var untried = request.Untried ?? [];
            if (request.Results.Count > 0) events.Add(new PosOutboxChangedNotification());
            var now = time.GetUtcNow().UtcDateTime;
            var ids = request.Results.Select(r => r.EntryId).Concat(untried.Select(c => c.Id)).Distinct().ToList();
            // PostgreSQL: the chunk's rows locked first, so a staff member's retry or mark-done waits for this record.
            if (ids.Count > 0 && db.Database.IsNpgsql())
                await db.Database.ExecuteSqlInterpolatedAsync($"""SELECT 1 FROM "PosOutbox" WHERE "Id" = ANY({ids.Order().ToArray()}) ORDER BY "Id" FOR UPDATE""", cancellationToken);
            var entries = ids.Count == 0
                ? []
                : await db.PosOutbox.AsNoTracking().Where(e => ids.Contains(e.Id)).ToDictionaryAsync(e => e.Id, cancellationToken);

            foreach (var claim in untried)
            {
                if (!entries.TryGetValue(claim.Id, out var entry) || entry.Status != PosOutboxStatus.Pending) continue;
                if (entry.Attempts != claim.Attempt) continue; // claimed again or retried meanwhile
                Track(entry);
                entry.Attempts--;
                entry.NextAttemptAt = now;
            }

            var outcomes = new List<RecordPosDelivery.Outcome>(request.Results.Count);
            var sent = new List<long>(request.Results.Count);
            foreach (var result in request.Results)
            {
                if (!entries.TryGetValue(result.EntryId, out var entry))
                {
                    outcomes.Add(RecordPosDelivery.Outcome.Ignored); // deleted meanwhile: nothing to record
                    continue;
                }
                // A failure changes several columns of one entry now and then: tracked. A success is saved below, set-based.
                if (!result.Success) Track(entry);
                var outcome = await recorder.ApplyAsync(entry, result, now, cancellationToken);
                if (result.Success && outcome == RecordPosDelivery.Outcome.Delivered && !IsTracked(entry)) sent.Add(entry.Id);
                outcomes.Add(outcome);
            }

            if (sent.Count > 0)
            {
                var settled = await db.PosOutbox
                    .Where(e => sent.Contains(e.Id) && e.Status == PosOutboxStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, PosOutboxStatus.Sent).SetProperty(e => e.SentAt, now), cancellationToken);
                // Read in this transaction, which no other writer can enter (SQLite) or whose rows it holds locked (PostgreSQL).
                if (settled != sent.Count)
                    throw new InvalidOperationException($"Settled {settled} of the {sent.Count} POS outbox entries read as pending in the same transaction.");
            }
            await audit.SaveRecordedAsync(cancellationToken); // one INSERT for the chunk's audit events, not one per entry
            return outcomes;
        }

        private bool IsTracked(PosOutboxEntry entry) => db.Entry(entry).State != EntityState.Detached;

        private void Track(PosOutboxEntry entry)
        {
            if (!IsTracked(entry)) db.PosOutbox.Attach(entry);
        }
    }
}

/// <summary>
/// Records one delivery attempt. A success settles a still pending entry as sent. A failure counts only if the entry is
/// still on the attempt that failed (staff may have retried or settled it meanwhile): it is scheduled again by
/// <see cref="PosBackoff"/>, or dead-lettered after <see cref="PosOptions.MaxAttempts"/>.
/// </summary>
public static class RecordPosDelivery
{
    public enum Outcome { Delivered, WillRetry, DeadLettered, Ignored }

    public sealed record Command(long EntryId, int Attempt, bool Success, string? Error) : ICommand<Outcome>;

    public sealed class Handler(TapRoomDbContext db, TimeProvider time, PosDeliveryRecorder recorder, DomainEvents events)
        : IRequestHandler<Command, Outcome>
    {
        public async Task<Outcome> Handle(Command request, CancellationToken cancellationToken)
        {
            events.Add(new PosOutboxChangedNotification());
            var entry = await db.PosOutbox.FirstOrDefaultAsync(e => e.Id == request.EntryId, cancellationToken)
                ?? throw new NotFoundException("POS outbox entry", request.EntryId);
            return await recorder.ApplyAsync(entry, request, time.GetUtcNow().UtcDateTime, cancellationToken);
        }
    }
}

/// <summary>
/// The rules of <see cref="RecordPosDelivery"/>: what one delivery result does to its entry, and the audit event it
/// writes. Shared by the single-entry command and the chunk (<see cref="RecordPosDeliveries"/>), which differ only in
/// how they load the entry and save the change.
/// </summary>
public sealed class PosDeliveryRecorder(IOptions<PosOptions> options, AuditTrail audit, PosDeadLetters deadLetters)
{
    public async Task<RecordPosDelivery.Outcome> ApplyAsync(PosOutboxEntry entry, RecordPosDelivery.Command result, DateTime now, CancellationToken ct)
    {
        var o = options.Value;
        if (entry.Status != PosOutboxStatus.Pending) return RecordPosDelivery.Outcome.Ignored;

        if (result.Success)
        {
            entry.Status = PosOutboxStatus.Sent;
            entry.SentAt = now;
            audit.Record(AuditActions.PosDelivered, PosDeadLetters.SubjectType, entry.IdempotencyKey,
                new { entryId = entry.Id, kind = entry.Kind, attempts = entry.Attempts });
            return RecordPosDelivery.Outcome.Delivered;
        }

        if (entry.Attempts != result.Attempt) return RecordPosDelivery.Outcome.Ignored;
        entry.LastError = Trim(result.Error ?? "unknown error");
        if (entry.Attempts >= o.MaxAttempts)
        {
            await deadLetters.DeadLetterAsync(entry, entry.LastError, ct);
            return RecordPosDelivery.Outcome.DeadLettered;
        }
        entry.NextAttemptAt = now + PosBackoff.Delay(entry.Id, entry.Attempts, o);
        audit.Record(AuditActions.PosDeliveryFailed, PosDeadLetters.SubjectType, entry.IdempotencyKey,
            new { entryId = entry.Id, kind = entry.Kind, attempts = entry.Attempts, error = entry.LastError, nextAttemptAt = entry.NextAttemptAt });
        return RecordPosDelivery.Outcome.WillRetry;
    }

    private static string Trim(string error) => error.Length <= 2000 ? error : error[..1999] + "…";
}

/// <summary>An entry that used all its attempts stops being tried: status dead, a warning alert about it, an audit event.</summary>
public sealed class PosDeadLetters(AlertRaiser alerts, AuditTrail audit)
{
    /// <summary>Alerts and audit events about an outbox entry name it by its idempotency key (their subject ids are GUIDs).</summary>
    public const string SubjectType = "pos_outbox";

    public async Task DeadLetterAsync(PosOutboxEntry entry, string reason, CancellationToken ct)
    {
        entry.Status = PosOutboxStatus.Dead;
        audit.Record(AuditActions.PosDeadLettered, SubjectType, entry.IdempotencyKey,
            new { entryId = entry.Id, kind = entry.Kind, attempts = entry.Attempts, error = entry.LastError });
        await alerts.RaiseAsync(AlertTypes.PosDeadLetter, AlertSeverity.Warning, SubjectType, entry.IdempotencyKey,
            Truncate($"POS {entry.Kind.EventName()} #{entry.Id} was not delivered after {entry.Attempts} attempts: {reason}"), ct, entry.LocationId);
    }

    private static string Truncate(string message) => message.Length <= 1000 ? message : message[..999] + "…";
}
