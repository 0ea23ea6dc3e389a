using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pos;

/// <summary>
/// Staff settled an entry by hand (manual mode, or a dead letter keyed into the till): pending or dead becomes
/// <c>manual_done</c> with the staff member's comment in the audit. A sent or done entry is already settled.
/// </summary>
public static class MarkPosEntryDone
{
    public sealed record Command(long Id, string Comment) : ICommand<PosOutboxEntryDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => (PosDeadLetters.SubjectType, null);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Comment).NotEmpty().MaximumLength(500);
        }
    }

    public sealed class Handler(TapRoomDbContext db, TimeProvider time, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, PosOutboxEntryDto>
    {
        public async Task<PosOutboxEntryDto> Handle(Command request, CancellationToken cancellationToken)
        {
            events.Add(new PosOutboxChangedNotification());
            var entry = await db.PosOutbox.FirstOrDefaultAsync(e => e.Id == request.Id, cancellationToken)
                ?? throw new NotFoundException("POS outbox entry", request.Id);
            if (entry.Status is PosOutboxStatus.Sent or PosOutboxStatus.ManualDone)
                throw new DomainException("pos_entry_already_settled", $"POS outbox entry {entry.Id} is already {JsonNames.Of(entry.Status)}.");

            var from = entry.Status;
            entry.Status = PosOutboxStatus.ManualDone;
            entry.SentAt = time.GetUtcNow().UtcDateTime;
            audit.Record(AuditActions.PosMarkedDone, PosDeadLetters.SubjectType, entry.IdempotencyKey,
                new { entryId = entry.Id, from, attempts = entry.Attempts, comment = request.Comment.Trim() });
            return ListPosOutbox.ToDto(entry);
        }
    }
}
