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
/// SQLite's write lock for as long as the till takes to answer). Each entry is claimed in one short transaction
/// (<see cref="ClaimNextPosEntry"/>), delivered with no transaction open, and its result recorded in another short
/// transaction (<see cref="RecordPosDelivery"/>). A stop between the POST and the record leaves the claim to expire; the
/// entry is then delivered again with the same idempotency key.
/// </summary>
public static class DeliverPosOutbox
{
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
                var claimed = await mediator.Send(new ClaimNextPosEntry.Command(), cancellationToken);
                dead += claimed.DeadLettered;
                if (claimed.Entry is not { } entry) break;
                claimedCount++;
                PosDeliveryResult outcome;
                try
                {
                    outcome = await adapter.NotifyAsync(entry.Kind, entry.IdempotencyKey, entry.PayloadJson, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    outcome = PosDeliveryResult.Failed($"{ex.GetType().Name}: {ex.Message}");
                }
                // The result is known: record it even while the server stops, so that a stop does not cause a redelivery.
                var recorded = await mediator.Send(new RecordPosDelivery.Command(entry.Id, entry.Attempt, outcome.Success, outcome.Error), CancellationToken.None);
                switch (recorded)
                {
                    case RecordPosDelivery.Outcome.Delivered: delivered++; break;
                    case RecordPosDelivery.Outcome.WillRetry: failed++; break;
                    case RecordPosDelivery.Outcome.DeadLettered: failed++; dead++; break;
                }
            }
            return new Result(claimedCount, delivered, failed, dead);
        }
    }
}

/// <summary>
/// Claims the oldest due entry (pending, next attempt reached): the claim counts an attempt and keeps the entry from other
/// runs for <see cref="PosOptions.LeaseSeconds"/> by moving its next attempt past the lease. SQLite's write lock serialises
/// two claims, so two runs at once never claim the same entry. A due entry with all its attempts used is one whose last
/// result was never recorded: it is dead-lettered rather than tried beyond the maximum.
/// </summary>
public static class ClaimNextPosEntry
{
    public sealed record Command : ICommand<Result>;

    public sealed record Claim(long Id, Guid IdempotencyKey, PosOutboxKind Kind, string PayloadJson, int Attempt);

    public sealed record Result(Claim? Entry, int DeadLettered);

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
                .Take(o.BatchSize)
                .ToListAsync(cancellationToken);
            var dead = 0;
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
                return new Result(new Claim(entry.Id, entry.IdempotencyKey, entry.Kind, entry.PayloadJson, entry.Attempts), dead);
            }
            return new Result(null, dead);
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
