using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pos;

/// <summary>
/// Staff send a dead or failed entry again: it becomes pending and due now with its attempts reset to zero, so it gets
/// the full number of attempts once more (the count so far stays in the audit). An entry that never failed, or one
/// already settled, cannot be retried.
/// </summary>
public static class RetryPosEntry
{
    public sealed record Command(long Id) : ICommand<PosOutboxEntryDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => (PosDeadLetters.SubjectType, null);
    }

    public sealed class Handler(TapRoomDbContext db, TimeProvider time, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, PosOutboxEntryDto>
    {
        public async Task<PosOutboxEntryDto> Handle(Command request, CancellationToken cancellationToken)
        {
            events.Add(new PosOutboxChangedNotification());
            var entry = await db.PosOutbox.FirstOrDefaultAsync(e => e.Id == request.Id, cancellationToken)
                ?? throw new NotFoundException("POS outbox entry", request.Id);
            var failed = entry.Status == PosOutboxStatus.Pending && entry.LastError != null;
            if (entry.Status != PosOutboxStatus.Dead && !failed)
                throw new DomainException("pos_entry_not_retryable",
                    $"POS outbox entry {entry.Id} is {JsonNames.Of(entry.Status)}{(entry.Status == PosOutboxStatus.Pending ? " and has not failed" : "")}; only dead or failed entries can be retried.");

            var from = entry.Status;
            var previousAttempts = entry.Attempts;
            entry.Status = PosOutboxStatus.Pending;
            entry.Attempts = 0;
            entry.NextAttemptAt = time.GetUtcNow().UtcDateTime;
            audit.Record(AuditActions.PosRetried, PosDeadLetters.SubjectType, entry.IdempotencyKey,
                new { entryId = entry.Id, from, previousAttempts, lastError = entry.LastError });
            return ListPosOutbox.ToDto(entry);
        }
    }
}

internal static class JsonNames
{
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
