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
public static class ClaimPosEntries
{
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
            var due = await db.PosOutbox
                .Where(e => e.Status == PosOutboxStatus.Pending && e.NextAttemptAt <= now)
                .OrderBy(e => e.Id)
                .Take(Math.Clamp(request.Max, 1, 500))
                .ToListAsync(cancellationToken);
            var dead = 0;
            var claims = new List<Claim>(due.Count);
            foreach (var entry in due)
            {
                if (entry.Attempts >= o.MaxAttempts)
                {
                    entry.LastError ??= "no result recorded";
                    await deadLetters.DeadLetterAsync(entry, $"attempt {entry.Attempts} never recorded a result (the server stopped during delivery); last error: {entry.LastError}", cancellationToken);
                    dead++;
                    continue;
                }
                entry.Attempts++;
                entry.NextAttemptAt = now.AddSeconds(o.LeaseSeconds);
                claims.Add(new Claim(entry.Id, entry.IdempotencyKey, entry.Kind, entry.PayloadJson, entry.Attempts));
            }
            return new Result(claims, dead);
        }
    }
}

/// <summary>The results of a chunk of deliveries, each recorded as <see cref="RecordPosDelivery"/> does, in one transaction.</summary>
public static class RecordPosDeliveries
{
    /// <param name="Results">One per delivery attempted, in order.</param>
    /// <param name="Untried">Claims never tried (the server stopped first): their claim is undone if nothing touched them since.</param>
    public sealed record Command(IReadOnlyList<RecordPosDelivery.Command> Results, IReadOnlyList<ClaimPosEntries.Claim>? Untried = null)
        : ICommand<IReadOnlyList<RecordPosDelivery.Outcome>>;

    public sealed class Handler(IRequestHandler<RecordPosDelivery.Command, RecordPosDelivery.Outcome> one, TapRoomDbContext db, TimeProvider time)
        : IRequestHandler<Command, IReadOnlyList<RecordPosDelivery.Outcome>>
    {
        public async Task<IReadOnlyList<RecordPosDelivery.Outcome>> Handle(Command request, CancellationToken cancellationToken)
        {
            if (request.Untried is { Count: > 0 } untried)
            {
                var ids = untried.Select(c => c.Id).ToList();
                var entries = await db.PosOutbox.Where(e => ids.Contains(e.Id) && e.Status == PosOutboxStatus.Pending).ToListAsync(cancellationToken);
                foreach (var entry in entries)
                {
                    if (entry.Attempts != untried.First(c => c.Id == entry.Id).Attempt) continue; // claimed again or retried meanwhile
                    entry.Attempts--;
                    entry.NextAttemptAt = time.GetUtcNow().UtcDateTime;
                }
            }
            var outcomes = new List<RecordPosDelivery.Outcome>(request.Results.Count);
            foreach (var result in request.Results)
            {
                try
                {
                    outcomes.Add(await one.Handle(result, cancellationToken));
                }
                catch (NotFoundException)
                {
                    outcomes.Add(RecordPosDelivery.Outcome.Ignored); // deleted meanwhile: nothing to record
                }
            }
            return outcomes;
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

    public sealed class Handler(TapRoomDbContext db, TimeProvider time, IOptions<PosOptions> options, AuditTrail audit, PosDeadLetters deadLetters, DomainEvents events)
        : IRequestHandler<Command, Outcome>
    {
        public async Task<Outcome> Handle(Command request, CancellationToken cancellationToken)
        {
            events.Add(new PosOutboxChangedNotification());
            var o = options.Value;
            var now = time.GetUtcNow().UtcDateTime;
            var entry = await db.PosOutbox.FirstOrDefaultAsync(e => e.Id == request.EntryId, cancellationToken)
                ?? throw new NotFoundException("POS outbox entry", request.EntryId);
            if (entry.Status != PosOutboxStatus.Pending) return Outcome.Ignored;

            if (request.Success)
            {
                entry.Status = PosOutboxStatus.Sent;
                entry.SentAt = now;
                audit.Record(AuditActions.PosDelivered, PosDeadLetters.SubjectType, entry.IdempotencyKey,
                    new { entryId = entry.Id, kind = entry.Kind, attempts = entry.Attempts });
                return Outcome.Delivered;
            }

            if (entry.Attempts != request.Attempt) return Outcome.Ignored;
            entry.LastError = Trim(request.Error ?? "unknown error");
            if (entry.Attempts >= o.MaxAttempts)
            {
                await deadLetters.DeadLetterAsync(entry, entry.LastError, cancellationToken);
                return Outcome.DeadLettered;
            }
            entry.NextAttemptAt = now + PosBackoff.Delay(entry.Id, entry.Attempts, o);
            audit.Record(AuditActions.PosDeliveryFailed, PosDeadLetters.SubjectType, entry.IdempotencyKey,
                new { entryId = entry.Id, kind = entry.Kind, attempts = entry.Attempts, error = entry.LastError, nextAttemptAt = entry.NextAttemptAt });
            return Outcome.WillRetry;
        }

        private static string Trim(string error) => error.Length <= 2000 ? error : error[..1999] + "…";
    }
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
            Truncate($"POS {entry.Kind.EventName()} #{entry.Id} was not delivered after {entry.Attempts} attempts: {reason}"), ct);
    }

    private static string Truncate(string message) => message.Length <= 1000 ? message : message[..999] + "…";
}
