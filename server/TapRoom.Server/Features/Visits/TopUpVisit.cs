using FluentValidation;
using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Visits;

/// <summary>Adds money to an active visit: a ledger entry and its POS outbox row, in one transaction.</summary>
public static class TopUpVisit
{
    public sealed record Command(Guid VisitId, decimal Amount, string? Comment) : ICommand<MoneyMovementResult>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("visit", VisitId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Amount).DeskAmount();
            RuleFor(x => x.Comment).MaximumLength(500);
        }
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events, PosOutboxWriter pos, CurrentActor actor, TimeProvider time)
        : IRequestHandler<Command, MoneyMovementResult>
    {
        public async Task<MoneyMovementResult> Handle(Command request, CancellationToken cancellationToken)
        {
            var visit = await VisitLoader.LoadForChangeAsync(db, request.VisitId, cancellationToken);
            visit.EnsureActive();
            var before = visit.Balance;
            var entry = new LedgerEntry
            {
                Id = Guid.NewGuid(),
                VisitId = visit.Id,
                Kind = LedgerKind.TopUp,
                Amount = request.Amount,
                Actor = actor.Value.Name,
                Comment = string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim(),
                At = time.GetUtcNow().UtcDateTime,
            };
            var balance = before + entry.Amount;
            db.Ledger.Add(entry);
            pos.Enqueue(PosOutboxKind.TopUp, visit, entry, VisitLoader.PosPayload(visit, entry, balance));
            audit.Record(AuditActions.VisitToppedUp, "visit", visit.Id, new { ledgerEntryId = entry.Id, amount = request.Amount, balance, entry.Comment });
            events.Add(new VisitChangedNotification(visit.Id));
            return new MoneyMovementResult(visit.Id, entry.Id, entry.Kind, entry.Amount, balance);
        }
    }
}
