using FluentValidation;
using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Visits;

/// <summary>Adds money to an active visit: a ledger entry and its POS outbox row, in one transaction.</summary>
public static class TopUpVisit
{
    public sealed record Command(Guid VisitId, decimal Amount, string? Comment, PaymentMethod? PaymentMethod = null) : ICommand<MoneyMovementResult>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("visit", VisitId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Amount).DeskAmount();
            RuleFor(x => x.Comment).MaximumLength(500);
            RuleFor(x => x.PaymentMethod).IsInEnum();
        }
    }

    public sealed class Handler(TapRoomDbContext db, VisitLedger ledger)
        : IRequestHandler<Command, MoneyMovementResult>
    {
        public async Task<MoneyMovementResult> Handle(Command request, CancellationToken cancellationToken)
        {
            var visit = await VisitLoader.LoadForChangeAsync(db, request.VisitId, cancellationToken);
            visit.EnsureActive();
            var (entry, balance) = await ledger.RecordAsync(visit, LedgerKind.TopUp, request.Amount, request.Comment, request.PaymentMethod, cancellationToken);
            return new MoneyMovementResult(visit.Id, entry.Id, entry.Kind, entry.Amount, balance, entry.PaymentMethod);
        }
    }
}
